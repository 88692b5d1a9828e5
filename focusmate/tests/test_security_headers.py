"""Static files and uploaded avatars carry the security headers every page carries.

WhiteNoise answers for /static/ before the inner middleware runs; the middleware that
adds the headers sits above it (settings.MIDDLEWARE).
"""

from __future__ import annotations

import io

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client
from PIL import Image

pytestmark = pytest.mark.django_db

HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
)


def _page_headers() -> dict[str, str]:
    response = Client().get("/")
    assert response.status_code == 200
    return {name: response[name] for name in HEADERS}


def test_a_static_file_carries_the_pages_security_headers(settings):
    settings.WHITENOISE_USE_FINDERS = True  # as with DEBUG: served from static/ directly
    expected = _page_headers()

    response = Client().get("/static/css/site.css")

    assert response.status_code == 200
    assert {name: response.get(name) for name in HEADERS} == expected
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_static_file_carries_them_under_the_production_storage(settings, tmp_path):
    """Collected, hashed and compressed, as `make deploy` serves them (no finders)."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    expected = _page_headers()
    url = staticfiles_storage.url("css/site.css")
    assert url != "/static/css/site.css"  # the hashed name

    client = Client()  # its WhiteNoise reads the collected files
    plain = client.get(url)
    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")

    for response in (plain, compressed):
        assert response.status_code == 200
        assert {name: response.get(name) for name in HEADERS} == expected
    assert compressed["Content-Encoding"] == "gzip"


def test_an_avatar_carries_the_security_headers_with_its_own_policy(settings):
    avatar = settings.MEDIA_ROOT / "avatars" / "1" / "me.png"
    avatar.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, "PNG")
    avatar.write_bytes(buffer.getvalue())
    expected = _page_headers()

    response = Client().get("/media/avatars/1/me.png")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == expected["X-Frame-Options"]
    assert response["X-Content-Type-Options"] == expected["X-Content-Type-Options"]
    assert response["Referrer-Policy"] == expected["Referrer-Policy"]
    # Stricter than a page's: an image needs nothing, and runs nothing if opened.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
