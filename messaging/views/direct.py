"""Direct messages: the inbox, a conversation, and what one does to a message."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.models import User
from accounts.queries import has_blocked
from focusmate.lib.broadcast import UNDELIVERED_NOTE, undelivered, user_group
from focusmate.lib.http import answers_refusals, error_response, refusals_into
from focusmate.lib.sockets import error_toast
from messaging import queries, services
from messaging.forms import MarkReadForm, MessageForm, PageForm, ReportForm
from messaging.models import Message
from moderation.services import is_moderator, report_create

CONVERSATIONS_PER_PAGE = 20


def _other_person(request: HttpRequest, username: str) -> User:
    """The person at the other end; yourself, or nobody active, is a 404."""
    other = get_object_or_404(User, username__iexact=username, is_active=True)
    if other.pk == request.user.pk:
        raise Http404("That's you.")
    return other


def _own_message(request: HttpRequest, message_id: int) -> Message:
    """A message of one of the requester's conversations; anyone else gets a 404."""
    message = queries.message_for_member(message_id=message_id, user=request.user)
    if message is None:
        raise Http404("No such message.")
    return message


def conversation_page(request: HttpRequest, *, username: str) -> str:
    """Where a refused action in a conversation goes back to (the other person's name as
    stored, whatever its case in the URL)."""
    other = User.objects.only("username").get(username__iexact=username, is_active=True)
    return reverse("messaging:conversation", args=[other.username])


def message_page(request: HttpRequest, *, message_id: int) -> str:
    """Where a refused action on a message goes back to: its conversation."""
    message = _own_message(request, message_id)
    other = User.objects.only("username").get(pk=message.conversation.other_id(request.user.pk))
    return reverse("messaging:conversation", args=[other.username])


def _badge(request: HttpRequest) -> HttpResponse:
    unread = queries.unread_total(user=request.user)
    return render(request, "messaging/_messages_badge.html", {"unread": unread, "oob": True})


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.inbox_order(user=request.user), CONVERSATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(queries.inbox_rows(ids=list(page.object_list)))
    template = "messaging/inbox.html"
    if request.htmx and not request.htmx.boosted:
        template += "#conversations"
    return render(request, template, {"page": page, "rows": rows, "cap": queries.UNREAD_CAP})


@require_GET
def messages_badge(request: HttpRequest) -> HttpResponse:
    """The nav's messages link with the unread count, loaded lazily like the bell."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    unread = queries.unread_total(user=request.user)
    response = render(request, "messaging/_messages_badge.html", {"unread": unread})
    response["Cache-Control"] = "no-store"
    return response


def _page_of_messages(request: HttpRequest, other: User, member, form: PageForm) -> HttpResponse:
    """`?before=` (older, on scroll) or `?after=` (what a reconnecting page missed)."""
    before = form.cleaned_data.get("before")
    after = form.cleaned_data.get("after")
    found, more = [], False
    if member is not None:
        found, more = queries.messages_page(
            conversation=member.conversation,
            people={request.user.pk: request.user, other.pk: other},
            before=before,
            after=after,
        )
    context = {"messages_shown": found, "other": other, "more": more, "before": before}
    if after is not None:
        response = render(request, "messaging/_messages.html", context)
        response["X-More"] = "1" if more else "0"
    else:
        response = render(request, "messaging/conversation.html#older", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@answers_refusals(back=conversation_page)
def conversation(request: HttpRequest, username: str) -> HttpResponse:
    other = _other_person(request, username)
    if request.method == "POST":
        return _send(request, other)
    form = PageForm(request.GET)
    if not form.is_valid():
        raise Http404("No such page of messages.")
    member = queries.member_for(user=request.user, other=other)
    if form.cleaned_data.get("before") or form.cleaned_data.get("after") is not None:
        return _page_of_messages(request, other, member, form)
    return _conversation_page(request, other, member, MessageForm())


def _conversation_page(request, other: User, member, form: MessageForm, status: int = 200):
    found, more = [], False
    if member is not None:
        found, more = queries.messages_page(
            conversation=member.conversation,
            people={request.user.pk: request.user, other.pk: other},
        )
    refusal = ""
    blocked = has_blocked(blocker=request.user, blocked=other)
    try:
        services.may_message(sender=request.user, recipient=other)
    except PermissionDenied as error:
        refusal = str(error)
    context = {
        "other": other,
        "member": member,
        "conversation": member.conversation if member else None,
        "messages_shown": found,
        "more": more,
        "form": form,
        "refusal": refusal,
        "blocked": blocked,
        "newest_id": found[-1].pk if found else 0,
    }
    return render(request, "messaging/conversation.html", context, status=status)


def _send(request: HttpRequest, other: User) -> HttpResponse:
    form = MessageForm(request.POST)
    here = reverse("messaging:conversation", args=[other.username])
    if not form.is_valid():
        error = ValidationError([e for errors in form.errors.values() for e in errors])
        if request.htmx:
            return error_response(request, error, fallback_url=here)
        member = queries.member_for(user=request.user, other=other)
        return _conversation_page(request, other, member, form, status=422)
    with undelivered() as failed_groups:
        message = services.message_send(
            sender=request.user, recipient=other, body=form.cleaned_data["body"]
        )
    # Saved, but not pushed: the recipient's pages get it when the channel layer is back.
    failed = user_group(other.pk) in failed_groups
    if request.htmx:
        message.sender = request.user
        response = render(
            request,
            "messaging/conversation.html#sent",
            {"message": message, "other": other, "form": MessageForm()},
        )
        if failed:
            response.content += error_toast(UNDELIVERED_NOTE).encode()
        return response
    if failed:
        flash.warning(request, UNDELIVERED_NOTE)
    return redirect(here)


@login_required
@require_POST
def conversation_read(request: HttpRequest, username: str) -> HttpResponse:
    """Moves the requester's read state to what their page showed (`up_to`)."""
    other = _other_person(request, username)
    member = queries.member_for(user=request.user, other=other)
    if member is None:
        raise Http404("No conversation yet.")
    form = MarkReadForm(request.POST)
    up_to = form.cleaned_data["up_to"] if form.is_valid() else None
    if up_to is None:
        up_to = member.conversation.last_message_id or 0
    services.conversation_mark_read(
        conversation=member.conversation, user=request.user, up_to=up_to
    )
    if request.htmx:
        return _badge(request)
    return redirect("messaging:conversation", other.username)


@login_required
@require_POST
@answers_refusals(back=conversation_page, flash_only=True)
def conversation_block(request: HttpRequest, username: str) -> HttpResponse:
    """Blocks (or with `unblock`, unblocks) the other person, from the conversation."""
    other = _other_person(request, username)
    if request.POST.get("unblock"):
        account_services.user_unblock(by=request.user, user=other)
        flash.success(request, f"You unblocked {other.username}.")
    else:
        account_services.user_block(by=request.user, user=other)
        flash.success(request, f"You blocked {other.username}. Neither of you can write.")
    return redirect("messaging:conversation", other.username)


@login_required
@require_http_methods(["GET", "POST"])
@answers_refusals(back=message_page)
def message_edit(request: HttpRequest, message_id: int) -> HttpResponse:
    message = _own_message(request, message_id)
    other_id = message.conversation.other_id(request.user.pk)
    other = User.objects.get(pk=other_id)
    here = reverse("messaging:conversation", args=[other.username])
    form = MessageForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        services.message_edit(message=message, by=request.user, body=form.cleaned_data["body"])
        if request.htmx:
            return HttpResponse(status=204)  # the push redraws it on every page
        return redirect(here)
    if not message.is_editable_by(request.user):
        raise ValidationError("That message can no longer be edited.")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "messaging/message_edit.html",
        {"form": form, "message": message, "other": other},
        status=status,
    )


@login_required
@require_POST
@answers_refusals(back=message_page)
def message_delete(request: HttpRequest, message_id: int) -> HttpResponse:
    message = _own_message(request, message_id)
    other = User.objects.get(pk=message.conversation.other_id(request.user.pk))
    here = reverse("messaging:conversation", args=[other.username])
    services.message_delete(message=message, by=request.user)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(here)


def report_view(request: HttpRequest, *, target, author, back: str, kind: str) -> HttpResponse:
    """Shared by messages and chat lines: a form that files a moderation report."""
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_into(form):
            report_create(
                by=request.user,
                target=target,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
            flash.success(request, "Thanks: a moderator will look at it.")
            return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "messaging/report.html",
        {"form": form, "target": target, "author": author, "back": back, "kind": kind},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_report(request: HttpRequest, message_id: int) -> HttpResponse:
    message = _own_message(request, message_id)
    other = User.objects.get(pk=message.conversation.other_id(request.user.pk))
    back = reverse("messaging:conversation", args=[other.username])
    return report_view(request, target=message, author=message.sender, back=back, kind="message")


@login_required
@require_GET
def message_context(request: HttpRequest, message_id: int) -> HttpResponse:
    """For moderators only: the message and a few neighbours, nothing else of the
    conversation. Anyone else gets a 404 (the page doesn't exist for them)."""
    if not is_moderator(user=request.user):
        raise Http404("No such page.")
    message = get_object_or_404(Message.objects.select_related("sender"), pk=message_id)
    return render(
        request,
        "messaging/context.html",
        {"reported": message, "neighbours": queries.message_neighbours(message=message)},
    )
