from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import services
from accounts.forms import ProfileForm
from accounts.models import User
from stats.queries import profile_summary


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    shown = get_object_or_404(User, username__iexact=username, is_active=True)
    context: dict[str, object] = {"shown": shown}
    if shown.stats_public or request.user == shown:
        context["stats_summary"] = profile_summary(user=shown)
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    # Always the requesting user's own profile: no URL names another user here.
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=user)
        if form.is_valid():
            services.profile_update(user=user, by=request.user, form=form)
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile_edit")
        return render(request, "accounts/profile_edit.html", {"form": form}, status=422)
    return render(request, "accounts/profile_edit.html", {"form": ProfileForm(instance=user)})
