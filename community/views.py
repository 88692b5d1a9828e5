"""The forum's pages. Reading is open to everyone; writing needs an account.

Views are thin: they look the content up through the visibility rule (a post or comment
a reader may not see is a 404, whoever asks), call one service, and answer with the
page, its HTMX partial, or a redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.models import User
from accounts.queries import has_blocked
from community import queries, services
from community.access import visible_comment, visible_post
from community.forms import (
    CommentEditForm,
    CommentForm,
    ListForm,
    ModerateForm,
    PostForm,
    ReportForm,
)
from community.models import Category, Comment
from focusmate.lib.http import PageForbidden, answers_refusals, refusals_into
from moderation import services as moderation
from moderation.services import is_moderator

POSTS_PER_PAGE = 20
COMMENTS_URL = queries.COMMENTS_URL


def post_page(request: HttpRequest, *, post_id: int) -> str:
    """Where a refused action on a post goes back to."""
    return reverse("community:post", args=[post_id])


def comment_page(request: HttpRequest, *, comment_id: int) -> str:
    """Where a refused action on a comment goes back to: the comment on its post's page."""
    post_id = Comment.objects.filter(pk=comment_id).values_list("post_id", flat=True).get()
    return f"{reverse('community:post', args=[post_id])}#comment-{comment_id}"


def blocker_page(request: HttpRequest, *, username: str) -> str:
    """Where a refused block goes back to: `next` if it stays on this site, else the profile."""
    back = request.POST.get("next") or reverse("accounts:profile", kwargs={"username": username})
    if not back.startswith("/") or back.startswith("//"):
        return reverse("accounts:profile", kwargs={"username": username})
    return back


@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    form = ListForm(request.GET)
    form.is_valid()  # a bad value falls back to its default; the others still apply
    filters = form.cleaned_data
    category = None
    if filters.get("category"):
        category = Category.objects.filter(slug=filters["category"]).first()
    sort = filters.get("sort") or "new"
    search = filters.get("q", "").strip()
    posts = queries.post_list(user=request.user, category=category, sort=sort, search=search)
    page = queries.page_of(posts, number=request.GET.get("page"), size=POSTS_PER_PAGE)
    for post in page.object_list:
        post.snippet = queries.snippet(post) if search else None
    context = {
        "form": form,
        "page": page,
        "categories": Category.objects.all(),
        "category": category,
        "sort": sort,
        "search": search,
        "invalid_filter": bool(filters.get("category")) and category is None,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "community/list.html#results", context)
    return render(request, "community/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            post = services.post_create(author=request.user, **form.cleaned_data)
            return redirect(post)
    status = 422 if request.method == "POST" else 200
    return render(request, "community/form.html", {"form": form, "creating": True}, status=status)


@require_GET
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    context = {
        "post": post,
        "steps": queries.steps(queries.comment_tree(post=post, user=request.user)),
        "base": COMMENTS_URL,
        "is_moderator": is_moderator(user=request.user),
    }
    return render(request, "community/post.html", context)


@login_required
@require_GET
def comment_reply(request: HttpRequest, comment_id: int) -> HttpResponse:
    """The reply form under a comment: HTMX puts it in place; without JS, a page."""
    parent = visible_comment(request, comment_id)
    if parent.deleted_at is not None:
        raise Http404("That comment was deleted.")
    template = "community/reply.html#form" if request.htmx else "community/reply.html"
    return render(request, template, {"parent": parent})


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    if post.author_id != request.user.pk:
        raise PermissionDenied("Only its author can edit a post.")
    initial = {"title": post.title, "body": post.body, "category": post.category}
    form = PostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            services.post_update(post=post, by=request.user, **form.cleaned_data)
            messages.success(request, "Your post was updated.")
            return redirect(post)
    status = 422 if request.method == "POST" else 200
    return render(request, "community/form.html", {"form": form, "post": post}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    if post.author_id != request.user.pk:
        raise PermissionDenied("Only its author can delete a post.")
    if request.method == "POST":
        services.post_delete(post=post, by=request.user)
        messages.success(request, "Your post was deleted.")
        return redirect("community:list")
    return render(request, "community/confirm_delete.html", {"thing": "post", "target": post})


@login_required
@require_POST
@answers_refusals(back=post_page)
def post_like(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    post.liked, post.like_count = services.post_like_toggle(post=post, user=request.user)
    if request.htmx:
        return render(request, "community/_like.html", {"target": post, "kind": "post"})
    return redirect(post)


@login_required
@require_POST
@answers_refusals(back=post_page)
def comment_create(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = (
            Comment.objects.visible_to(request.user, moderator=is_moderator(user=request.user))
            .filter(pk=form.cleaned_data["parent"], post=post)
            .first()
        )
        if parent is None:
            form.add_error(None, "The comment you replied to is gone.")
    if form.is_valid():
        comment = services.comment_create(
            post=post, author=request.user, body=form.cleaned_data["body"], parent=parent
        )
        if request.htmx:
            comment.withheld = False
            node = queries.Node(comment, replying_to=queries.replying_to(comment))
            return render(
                request,
                "community/_comment_new.html",
                {"steps": [node, None], "base": COMMENTS_URL, "post": post},
            )
        return redirect(comment.get_absolute_url())
    raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = visible_comment(request, comment_id)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            services.comment_update(comment=comment, by=request.user, **form.cleaned_data)
            return redirect(comment.get_absolute_url())
    status = 422 if request.method == "POST" else 200
    return render(
        request, "community/comment_edit.html", {"form": form, "comment": comment}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = visible_comment(request, comment_id)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only its author can delete a comment.")
    if request.method == "POST":
        services.comment_delete(comment=comment, by=request.user)
        messages.success(request, "Your comment was deleted.")
        return redirect(comment.post)
    return render(request, "community/confirm_delete.html", {"thing": "comment", "target": comment})


@login_required
@require_POST
@answers_refusals(back=comment_page)
def comment_like(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = visible_comment(request, comment_id)
    comment.liked, comment.like_count = services.comment_like_toggle(
        comment=comment, user=request.user
    )
    if request.htmx:
        return render(request, "community/_like.html", {"target": comment, "kind": "comment"})
    return redirect(comment.get_absolute_url())


# --- Reports, blocks and moderators' decisions ------------------------------------------


def _report(request: HttpRequest, target, *, label: str, back: str) -> HttpResponse:
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            moderation.report_create(by=request.user, target=target, **form.cleaned_data)
            messages.success(request, "Thanks. A moderator will look at it.")
            return redirect(back)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "label": label, "back": back}
    return render(request, "community/report.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    return _report(request, post, label=f"the post “{post.title}”", back=post.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = visible_comment(request, comment_id)
    label = f"@{comment.author.username}'s comment"
    return _report(request, comment, label=label, back=comment.get_absolute_url())


def _person(username: str) -> User:
    return get_object_or_404(User, username=username, is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def user_report(request: HttpRequest, username: str) -> HttpResponse:
    person = _person(username)
    return _report(request, person, label=f"@{person.username}", back=person.get_absolute_url())


@login_required
@require_POST
@answers_refusals(back=blocker_page)
def user_block(request: HttpRequest, username: str) -> HttpResponse:
    """Blocks, or with `action=unblock` lifts the block."""
    person = _person(username)
    back = blocker_page(request, username=person.username)
    if request.POST.get("action") == "unblock":
        account_services.user_unblock(by=request.user, user=person)
        messages.success(request, f"You unblocked @{person.username}.")
    else:
        account_services.user_block(by=request.user, user=person)
        messages.success(
            request,
            f"You blocked @{person.username}: their posts collapse for you and they "
            "can't notify or message you.",
        )
    return redirect(back)


def _moderate(request: HttpRequest, target, back: str) -> HttpResponse:
    if not is_moderator(user=request.user):
        raise PageForbidden("Only moderators can do that.")
    form = ModerateForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose hide or restore.")
    act = (
        moderation.moderation_hide
        if form.cleaned_data["action"] == "hide"
        else (moderation.moderation_restore)
    )
    act(by=request.user, target=target, reason=form.cleaned_data["reason"])
    messages.success(request, "Hidden." if form.cleaned_data["action"] == "hide" else "Restored.")
    return redirect(back)


@login_required
@require_POST
@answers_refusals(back=post_page)
def post_moderate(request: HttpRequest, post_id: int) -> HttpResponse:
    post = visible_post(request, post_id)
    return _moderate(request, post, post.get_absolute_url())


@login_required
@require_POST
@answers_refusals(back=comment_page)
def comment_moderate(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = visible_comment(request, comment_id)
    return _moderate(request, comment, comment.get_absolute_url())


@require_GET
def user_posts(request: HttpRequest, username: str) -> HttpResponse:
    """The profile's "recent posts" region (loaded by the profile page)."""
    person = get_object_or_404(User, username=username)
    context = {
        "person": person,
        "posts": queries.recent_posts(author=person, user=request.user),
        "blocked": request.user.is_authenticated
        and has_blocked(blocker=request.user, blocked=person),
        "list_url": reverse("community:list"),
    }
    return render(request, "community/_user_posts.html", context)
