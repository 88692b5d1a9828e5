from __future__ import annotations

import pytest

from community.markdown import mentioned_names, render
from tests.xss import XSS_PAYLOADS, assert_inert


def test_it_renders_commonmark_and_keeps_code_blocks():
    html = render("# Title\n\n**bold** and `x<y`\n\n```python\nif a < b:\n    pass\n```")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<code>x&lt;y</code>" in html
    assert '<pre><code class="language-python">if a &lt; b:' in html


def test_raw_html_is_text_not_markup():
    html = render("<b>hi</b> <script>alert(1)</script>")
    assert "<b>" not in html
    assert "&lt;script&gt;" in html


def test_links_are_nofollow_and_images_become_links():
    html = render("[site](https://example.com) ![cat](https://img.example/cat.png)")
    assert 'href="https://example.com" rel="nofollow ugc noopener"' in html
    assert "<img" not in html
    assert '<a href="https://img.example/cat.png" rel="nofollow ugc noopener">cat</a>' in html


def test_javascript_links_lose_their_href():
    assert "javascript:" not in render("[x](javascript:alert(1))").replace("](javascript", "")


def test_mentions_link_only_known_names_and_never_inside_code():
    html = render("hi @bob and @nobody, `@bob` [@bob](https://x.example)", mentioned={"bob"})
    assert html.count('class="mention"') == 1
    assert '<a href="/u/bob/" class="mention" rel="nofollow ugc noopener">@bob</a>' in html
    assert "@nobody" in html and "/u/nobody/" not in html


def test_mentioned_names_ignore_emails_and_code():
    assert mentioned_names("mail me at a@b.example, ping @carol. `@dave`") == {"carol"}


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_every_payload_renders_inert(payload):
    assert_inert(render(payload))
    assert_inert(render(f"> {payload}\n\n- {payload}\n\n[{payload}]({payload})"))
