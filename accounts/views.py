from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import services
from accounts.forms import AlertsForm, ProfileForm
from accounts.models import User
from achievements.queries import profile_achievements
from stats.queries import profile_summary


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    shown = get_object_or_404(User, username__iexact=username, is_active=True)
    context: dict[str, object] = {"shown": shown}
    if shown.stats_public or request.user == shown:
        # The same setting hides the figures and the achievements from others.
        context["stats_summary"] = profile_summary(user=shown)
        context["profile_achievements"] = profile_achievements(user=shown)
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    # Always the requesting user's own profile: no URL names another user here.
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=user)
        if form.is_valid():
            values = form.cleaned_data
            avatar = values["avatar"]
            services.profile_update(
                user=user,
                by=request.user,
                bio=values["bio"],
                timezone=values["timezone"],
                stats_public=values["stats_public"],
                on_leaderboard=values["on_leaderboard"],
                message_privacy=values["message_privacy"] or None,
                show_checkouts=values["show_checkouts"],
                # A new upload, False when cleared, or the stored file when unchanged.
                avatar=avatar
                if isinstance(avatar, UploadedFile)
                else None
                if avatar is False
                else services.KEEP,
            )
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile_edit")
        return render(request, "accounts/profile_edit.html", {"form": form}, status=422)
    return render(request, "accounts/profile_edit.html", {"form": ProfileForm(instance=user)})


@login_required
@require_http_methods(["GET", "POST"])
def alerts_edit(request: HttpRequest) -> HttpResponse:
    """Sounds, notifications and keys: always the requesting user's own."""
    user = request.user
    if request.method == "POST":
        form = AlertsForm(request.POST, instance=user)
        if form.is_valid():
            services.alerts_update(user=user, by=request.user, **form.cleaned_data)
            messages.success(request, "Your alert settings are saved.")
            return redirect("accounts:alerts_edit")
        return render(request, "accounts/alerts_edit.html", {"form": form}, status=422)
    return render(request, "accounts/alerts_edit.html", {"form": AlertsForm(instance=user)})
