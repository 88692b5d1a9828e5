"""What the forum registers elsewhere: its content as reportable."""

from __future__ import annotations

from community.models import Comment, Post
from community.services import content_set_hidden
from moderation.registry import Moderatable, register

for model in (Post, Comment):
    register(
        model,
        Moderatable(
            author_id=lambda content: content.author_id,
            hide=lambda content: content_set_hidden(content=content, hidden=True),
            restore=lambda content: content_set_hidden(content=content, hidden=False),
            url=lambda content: content.get_absolute_url(),
        ),
    )
