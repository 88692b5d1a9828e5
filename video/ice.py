"""ICE servers for the cameras' peer connections, and short-lived TURN credentials.

`WEBRTC_ICE_SERVERS` is a JSON list of RTCIceServer dictionaries (`{"urls": ...}`). A
TURN server never gets a fixed password in the page: with `TURN_SECRET` set, each turn:
or turns: entry is handed out with the TURN REST API's time-limited credential (the
scheme coturn's `use-auth-secret` checks): username "<expiry>:<user id>", credential
base64(HMAC-SHA1(secret, username)). A page asks again on every (re)connect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured

SCHEMES = ("stun:", "turn:", "turns:")
TURN_SCHEMES = ("turn:", "turns:")


def parse_ice_servers(value: Any) -> list[dict]:
    """The setting, checked; ImproperlyConfigured names what is wrong with it.

    `value` is what django-environ's `env.json` read: a list of objects, each with
    "urls" (a string or a list of strings, each stun:, turn: or turns:). A static
    "credential" or "username" is refused: the page would show a password to anyone.
    """
    if not isinstance(value, list):
        raise ImproperlyConfigured('WEBRTC_ICE_SERVERS must be a JSON list of {"urls": ...}.')
    servers = []
    for index, entry in enumerate(value):
        where = f"WEBRTC_ICE_SERVERS[{index}]"
        if not isinstance(entry, dict) or "urls" not in entry:
            raise ImproperlyConfigured(f'{where} must be an object with "urls".')
        unknown = set(entry) - {"urls"}
        if unknown & {"credential", "username"}:
            raise ImproperlyConfigured(
                f"{where} has a static username or credential: set TURN_SECRET instead "
                "(short-lived credentials), never a password the page would show."
            )
        if unknown:
            raise ImproperlyConfigured(f"{where} has unknown keys: {', '.join(sorted(unknown))}.")
        urls = entry["urls"]
        urls = [urls] if isinstance(urls, str) else urls
        if not urls or not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise ImproperlyConfigured(f'{where}: "urls" must be a string or a list of strings.')
        for url in urls:
            if not url.startswith(SCHEMES):
                raise ImproperlyConfigured(f"{where}: {url!r} is not a stun:, turn: or turns: URL.")
        servers.append({"urls": urls})
    return servers


def needs_turn_secret(servers: list[dict]) -> bool:
    return any(url.startswith(TURN_SCHEMES) for server in servers for url in server["urls"])


def turn_credentials(*, secret: str, user_id: int, expires_at: int) -> tuple[str, str]:
    """(username, credential) of the TURN REST API scheme, valid until `expires_at`."""
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(
    *, user_id: int, servers: list[dict], secret: str, lifetime: int, now: float | None = None
) -> list[dict]:
    """What one page gets: the configured servers, TURN ones with credentials for
    `user_id` that expire `lifetime` seconds from now (none without a secret)."""
    expires_at = int(now if now is not None else time.time()) + lifetime
    handed = []
    for server in servers:
        if any(url.startswith(TURN_SCHEMES) for url in server["urls"]):
            if not secret:
                continue  # the settings check says so; a TURN server without it can't work
            username, credential = turn_credentials(
                secret=secret, user_id=user_id, expires_at=expires_at
            )
            handed.append({"urls": server["urls"], "username": username, "credential": credential})
        else:
            handed.append({"urls": server["urls"]})
    return handed
