"""Markdown to safe HTML: CommonMark with raw HTML off, then sanitised by nh3 (ammonia).

Two layers on purpose: the parser never emits the writer's own HTML, and the sanitiser
keeps only an allow-list whatever the parser (or a future plugin) emits. Images become
links (a remote image would tell its host who reads the page and when); links get
rel="nofollow ugc noopener". `@name` becomes a link to that person's profile when the
name is one of `mentioned` (names that exist), and stays text otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import nh3
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.token import Token

# The characters Django's username validator allows, after an @ that starts a word.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})")

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "class"}, "code": {"class"}, "ol": {"start"}}
LINK_REL = "nofollow ugc noopener"


def mentioned_names(text: str) -> set[str]:
    """The @names in a body (before checking who exists), outside code."""
    without_code = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.DOTALL)
    return {name.rstrip(".") for name in MENTION.findall(without_code)}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])

    def image_as_link(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        alt = self.renderInline(token.children or [], options, env) or "image"
        href = md.utils.escapeHtml(token.attrGet("src") or "")
        return f'<a href="{href}">{alt}</a>'

    md.add_render_rule("image", image_as_link)
    md.core.ruler.push("mentions", _link_mentions)
    return md


def _link_mentions(state) -> None:
    """Turns @name in plain text (not in code or existing links) into a profile link."""
    known: Collection[str] = state.env.get("mentioned", ())
    if not known:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(token.content, known))
        block.children = children


def _split_mentions(text: str, known: Collection[str]) -> list[Token]:
    out: list[Token] = []
    position = 0
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name not in known:
            continue
        start, end = match.start(), match.start() + 1 + len(name)
        if start > position:
            out.append(_text(text[position:start]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": reverse("accounts:profile", args=[name]), "class": "mention"}
        out += [link, _text("@" + name), Token("link_close", "a", -1)]
        position = end
    if position < len(text):
        out.append(_text(text[position:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_md = _parser()


def render(text: str, *, mentioned: Collection[str] = ()) -> str:
    """Safe HTML for a Markdown body; `mentioned` are the @names that exist."""
    html = _md.render(text, {"mentioned": set(mentioned)})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        strip_comments=True,
    )
