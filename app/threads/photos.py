"""Photos attached to a thread: checked, downscaled, re-encoded, stripped of all metadata.

The browser already downscales before upload (slow networks); the server never trusts that. It
decodes the image with Pillow (a real image, not a renamed file), or with pillow-heif for the
HEIC photos iPhones take (which browsers other than Safari cannot decode to downscale), refuses
decompression bombs, applies the orientation, then writes a fresh JPEG with no EXIF, GPS, XMP or
ICC data.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import ValidationError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # ~ a 7,700 x 5,200 photo; more is a bomb, not a phone photo
LONG_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # as Pillow names them
# HEIF photos (iPhones save HEIC) by pillow-heif; its AVIF, which Pillow reads, is not a phone's.
HEIF_MIMETYPES = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}


@dataclass(frozen=True)
class StoredPhoto:
    name: str  # random file name under the uploads folder
    width: int
    height: int
    size: int


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_SOURCE_PIXELS:
        raise ValidationError(_("The photo has too many pixels."), field="photo")


def _decode(data: bytes) -> Image.Image:
    """The image in ``data``, fully decoded; sizes are checked before any pixel is."""
    if pillow_heif.get_file_mimetype(data) in HEIF_MIMETYPES:
        heif = pillow_heif.open_heif(io.BytesIO(data))  # reads the header only
        _check_pixels(*heif.size)
        # libheif applies the photo's rotation and pillow-heif resets EXIF's orientation.
        return heif.to_pillow()
    image = Image.open(io.BytesIO(data))
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(_("Send the photo as JPEG, PNG or WebP."), field="photo")
    _check_pixels(image.width, image.height)
    image.load()
    return image


def process_photo(data: bytes) -> tuple[bytes, int, int]:
    """Validate ``data`` as an image and return a clean JPEG with its width and height."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The photo is too large (at most 10 MB)."), field="photo")
    if not data:
        raise ValidationError(_("The photo is empty."), field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(data)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError(_("This file is not a photo we can read."), field="photo") from None
    image = ImageOps.exif_transpose(image)
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    # A fresh JPEG written without exif/icc/xmp arguments carries no metadata at all.
    image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue(), image.width, image.height


def upload_folder() -> Path:
    """Where photos live: ``uploads/`` in the instance folder, never under static/."""
    return Path(current_app.instance_path) / "uploads"


def store_photo(data: bytes, folder: Path) -> StoredPhoto:
    """Process and write a photo under a random, unguessable name."""
    clean, width, height = process_photo(data)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.jpg"
    (folder / name).write_bytes(clean)
    return StoredPhoto(name=name, width=width, height=height, size=len(clean))
