from __future__ import annotations

from django import forms

from community.models import COMMENT_BODY_MAX, POST_BODY_MAX, TITLE_MAX, Category
from community.queries import SORTS
from moderation.models import Report


class PostForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    body = forms.CharField(
        max_length=POST_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown: **bold**, _italic_, `code`, ``` blocks, [links](https://…), @name.",
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all(), empty_label=None)


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=COMMENT_BODY_MAX,
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a reply (Markdown)"}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class CommentEditForm(forms.Form):
    body = forms.CharField(max_length=COMMENT_BODY_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class ListForm(forms.Form):
    """The list's filters; anything unknown falls back to the default."""

    category = forms.SlugField(required=False, max_length=60)
    sort = forms.ChoiceField(required=False, choices=[(sort, sort) for sort in SORTS])
    q = forms.CharField(required=False, max_length=100, label="Search posts")


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        required=False,
        max_length=500,
        label="Details",
        help_text="Required for “Other”.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ModerateForm(forms.Form):
    action = forms.ChoiceField(choices=[("hide", "Hide"), ("restore", "Restore")])
    reason = forms.CharField(required=False, max_length=500)
