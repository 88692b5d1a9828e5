from __future__ import annotations

from django import forms

from messaging.models import MESSAGE_MAX_LENGTH
from moderation.models import Report

# Bounded like a database id, so a hostile value is a form error, not an overflow.
MAX_ID = 2**63 - 1


class MarkReadForm(forms.Form):
    up_to = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class MessageForm(forms.Form):
    """A direct message or a chat line: the same field on the page and on the socket."""

    body = forms.CharField(
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "maxlength": MESSAGE_MAX_LENGTH,
                "placeholder": "Write a message… (Enter sends, Shift+Enter for a new line)",
                "data-enter-sends": "",
            }
        ),
        error_messages={
            "required": "Write something first.",
            "max_length": "Keep a message to %(limit_value)d characters.",
        },
    )


class ConversationReadFrame(forms.Form):
    """The per-user socket's only frame: "I have seen this conversation up to here"."""

    conversation = forms.IntegerField(min_value=1, max_value=MAX_ID)
    up_to = forms.IntegerField(min_value=1, max_value=MAX_ID)


class PageForm(forms.Form):
    """`?before=` for older messages, `?after=` for what a reconnecting page missed."""

    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    after = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label="Details",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text="Needed when the reason is “Other”.",
    )
