"""ASGI entry point: HTTP through Django, WebSockets through Channels consumers.

Sockets pass the origin check (settings.WEBSOCKET_ALLOWED_ORIGINS: in production the
scheme, host and port must all match), then the session authentication.
Consumers refuse anonymous users themselves, with a close code the browser can read.
The JSON API's socket (/api/v1/ws/…) takes a token instead (api/consumers.py).
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "focusmate.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

from focusmate.lib.http_threads import PooledThreadsASGIHandler  # noqa: E402

# What get_asgi_application() makes, but on a few kept threads (see http_threads).
if "http_threads" in settings.PERF_KIT_OFF:  # measuring what it buys (bench/kit.py)
    django_asgi_app = get_asgi_application()
else:
    django_asgi_app = PooledThreadsASGIHandler(settings.HTTP_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator, WebsocketDenier  # noqa: E402
from django.urls import re_path  # noqa: E402

from api.routing import websocket_urlpatterns as api_websocket_urlpatterns  # noqa: E402
from focusmate.lib.sockets import refuse_cleanly, session_auth_stack  # noqa: E402
from focusmate.routing import websocket_urlpatterns  # noqa: E402

# A path no route matches is refused at the handshake (HTTP 403). Left to Channels'
# URLRouter it raised ValueError: a 500 and an ERROR traceback on every client retry.
unrouted = re_path(r"", WebsocketDenier.as_asgi())

site_sockets = OriginValidator(
    session_auth_stack(URLRouter([*websocket_urlpatterns, unrouted])),
    settings.WEBSOCKET_ALLOWED_ORIGINS,
)
# The API's socket authenticates with a token, never a cookie: no origin check, no session.
api_sockets = URLRouter([*api_websocket_urlpatterns, unrouted])


@refuse_cleanly  # an outage closes a socket with 1013, never an HTTP 500
async def websockets(scope, receive, send):
    app = api_sockets if scope["path"].startswith("/api/") else site_sockets
    return await app(scope, receive, send)


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websockets})
