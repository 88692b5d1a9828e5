from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.forms import AlertsForm, ProfileForm
from accounts.models import Follow, User
from achievements.queries import profile_achievements
from focusmate.lib.http import answers_refusals
from stats.queries import profile_summary


def _shown(request: HttpRequest, username: str) -> User:
    """The active person named in the URL, with `followed_by_me` read in the same query."""
    people = User.objects.filter(username__iexact=username, is_active=True)
    if request.user.is_authenticated:
        mine = Follow.objects.filter(follower=request.user, followed=OuterRef("pk"))
        people = people.annotate(followed_by_me=Exists(mine))
    return get_object_or_404(people)


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    shown = _shown(request, username)
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
                focus_visibility=values["focus_visibility"] or None,
                notify_on_follow=values["notify_on_follow"],
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


def _profile_page(request: HttpRequest, *, username: str) -> str:
    return reverse("accounts:profile", kwargs={"username": username})


@login_required
@require_POST
@answers_refusals(back=_profile_page)
def follow(request: HttpRequest, username: str) -> HttpResponse:
    """Follows the person, or with `action=unfollow` stops. HTMX gets the button back;
    a plain form post goes back to the profile."""
    shown = _shown(request, username)
    if request.POST.get("action") == "unfollow":
        services.follow_delete(follower=request.user, followed=shown)
        shown.followed_by_me = False
        done = f"You no longer follow @{shown.username}."
    else:
        services.follow_create(follower=request.user, followed=shown)
        shown.followed_by_me = True
        done = f"You follow @{shown.username}: your home page shows when they are focusing."
    if request.htmx:
        return render(request, "accounts/_follow_button.html", {"shown": shown, "said": done})
    messages.success(request, done)
    return redirect(shown.get_absolute_url())
