"""The HTTP floor for bench/pages.py: the smallest ASGI answer, with no Django at all.

    .venv/bin/daphne -b 127.0.0.1 -p 8021 --root-path '' hello_asgi:app   (from bench/)

What Daphne and wrk cost on this machine by themselves: a Django page can't be served
faster than this, whatever Django does.
"""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"hello"})
