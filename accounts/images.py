"""Avatars as this site stores them: re-encoded, small, and with nothing hidden inside.

An upload is decoded and written again as a fresh PNG (with transparency) or JPEG, so
whatever rode along in the file (EXIF with a location, comments, a polyglot's second
format) is gone, and it is scaled down to what a profile shows.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

# What a profile shows at most (twice the largest avatar on screen, for sharp screens).
STORED_SIDE = 512
# Uploads beyond this many pixels a side are refused before decoding (a 12000 x 12000
# PNG compresses to a few kB and decodes to half a gigabyte).
MAX_UPLOAD_SIDE = 4096


def too_large(image: Image.Image) -> bool:
    width, height = image.size
    return width > MAX_UPLOAD_SIDE or height > MAX_UPLOAD_SIDE


def reencode(upload) -> ContentFile:
    upload.seek(0)
    with Image.open(upload) as source:
        if too_large(source):
            raise ValueError("image too large")
        source.seek(0)  # an animation keeps its first frame
        image = ImageOps.exif_transpose(source)
        image.thumbnail((STORED_SIDE, STORED_SIDE))
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        out = io.BytesIO()
        if has_alpha:
            image.convert("RGBA").save(out, format="PNG", optimize=True)
            extension = "png"
        else:
            image.convert("RGB").save(out, format="JPEG", quality=88, optimize=True)
            extension = "jpg"
    return ContentFile(out.getvalue(), name=f"avatar.{extension}")
