"""Photos attached to a thread: checked, downscaled, re-encoded, stripped of all metadata.

The browser already downscales before upload (slow networks); the server never trusts that. It
decodes the image with Pillow (a real image, not a renamed file), or with pillow-heif for the
HEIC photos iPhones take (which browsers other than Safari cannot decode to downscale), refuses
decompression bombs, applies the orientation, then writes a fresh JPEG with no EXIF, GPS, XMP or
ICC data, and beside it the small WebP that feeds and threads show (at most 30 KB, where the
full photo is ~250 KB; a tap opens the full one).
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

import pillow_heif
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import ValidationError
from app.media.storage import MediaStorage

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # ~ a 7,700 x 5,200 photo; more is a bomb, not a phone photo
LONG_SIDE = 1600
# The derivative: 480 px fills a 360 px phone's column; WebP holds a photo there in ~20 KB.
SMALL_LONG_SIDE = 480
SMALL_MAX_BYTES = 30 * 1024
# Tried in order until the derivative fits (a noisy photo needs less quality, then fewer pixels).
SMALL_STEPS = ((480, 75), (480, 60), (480, 45), (400, 40), (320, 35), (240, 30), (160, 30))
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # as Pillow names them
# HEIF photos (iPhones save HEIC) by pillow-heif; its AVIF, which Pillow reads, is not a phone's.
HEIF_MIMETYPES = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}


@dataclass(frozen=True)
class StoredPhoto:
    name: str  # random name of the full photo's object (its derivative: small_name(name))
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


def clean_image(data: bytes) -> Image.Image:
    """Validate ``data`` as an image: upright, at most LONG_SIDE, RGB or grey, no metadata."""
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
    return image


def process_photo(data: bytes) -> tuple[bytes, int, int]:
    """Validate ``data`` as an image and return a clean JPEG with its width and height."""
    image = clean_image(data)
    return _jpeg(image), image.width, image.height


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # A fresh JPEG written without exif/icc/xmp arguments carries no metadata at all.
    image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def small_derivative(image: Image.Image) -> bytes:
    """The photo as a WebP of at most SMALL_MAX_BYTES (no metadata either)."""
    for side, quality in SMALL_STEPS:
        small = image.copy()
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        small.save(out, format="WEBP", quality=quality, method=4)
        if out.tell() <= SMALL_MAX_BYTES:
            break
    # The last step is 160 px: even pure noise is under 30 KB there.
    return out.getvalue()


def small_name(name: str) -> str:
    """The derivative's key beside the full photo's (``abc.jpg`` -> ``abc.small.webp``)."""
    return f"{name.removesuffix('.jpg')}.small.webp"


def photo_keys(name: str) -> tuple[str, str]:
    """Every object of one photo: the full one and its derivative."""
    return name, small_name(name)


def store_photo(data: bytes, storage: MediaStorage) -> StoredPhoto:
    """Process and store a photo and its derivative under a random, unguessable name."""
    image = clean_image(data)
    clean = _jpeg(image)
    name = f"{secrets.token_urlsafe(18)}.jpg"
    storage.put(small_name(name), small_derivative(image), "image/webp")
    storage.put(name, clean, "image/jpeg")
    return StoredPhoto(name=name, width=image.width, height=image.height, size=len(clean))


def small_photo(name: str, storage: MediaStorage) -> bytes | None:
    """The derivative of photo ``name``, made now from the full photo when it has none (photos
    stored before derivatives existed, or one whose write failed); None without a photo."""
    key = small_name(name)
    data = storage.get(key)
    if data is not None:
        return data
    full = storage.get(name)
    if full is None:
        return None
    with Image.open(io.BytesIO(full)) as image:
        image.load()
        data = small_derivative(image)
    storage.put(key, data, "image/webp")
    return data
