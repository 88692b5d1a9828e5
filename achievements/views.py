from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from achievements import queries


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    page = queries.achievements_page(user=request.user)
    return render(request, "achievements/index.html", {"page": page})
