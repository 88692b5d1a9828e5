"""Hostile markup every feature must render inert: titles, bodies, names, pushes, admin.

Use `XSS_PAYLOADS` as input and `assert_inert(html)` on what a page or a push returns.
"""

from __future__ import annotations

import re

XSS_PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "![x](https://tracker.example/pixel.png)",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    "<details open ontoggle=alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "{{ 7|add:7 }}{% now 'Y' %}",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]

# What must never appear in output built from the payloads above.
_DANGEROUS = [
    # Any script but the site's own static files (a src under /static/ and no body).
    re.compile(r"""<script(?![^>]*\bsrc="/static/[^"]*"[^>]*>\s*</script>)""", re.I),
    re.compile(r"<[a-z][a-z0-9]*\b[^<>]*\son[a-z]+\s*=", re.I),  # any event handler
    re.compile(r"<svg", re.I),
    re.compile(r"<iframe", re.I),
    re.compile(r"<style", re.I),
    # Attributes count inside a real tag only: escaped text may spell them harmlessly.
    re.compile(r"""<[a-z][^<>]*\bhref\s*=\s*["']?\s*(javascript|data):""", re.I),
    re.compile(r"""<[a-z][^<>]*\bsrc\s*=\s*["']?https?://""", re.I),  # remote images track
]


def assert_inert(html: str) -> None:
    """Fails if `html` contains live markup that one of the payloads could have produced."""
    for pattern in _DANGEROUS:
        match = pattern.search(html)
        assert match is None, (
            f"live markup in output: {html[max(0, match.start() - 40) : match.end() + 40]!r}"
        )


def assert_inert_page(page: str) -> None:
    """`assert_inert` on what a site page shows of its data: the <title> and <main> (the
    layout around them is the site's own markup, its icons and scripts)."""
    title = page[page.index("<title>") : page.index("</title>")]
    main = page[page.index("<main") : page.index("</main>")]
    assert_inert(title)
    assert_inert(main)
