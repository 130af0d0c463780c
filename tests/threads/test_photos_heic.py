"""iPhone HEIC photos: accepted for real (pillow-heif), turned upright, stored as a clean JPEG.

Regression: "HEIF" was listed as accepted while Pillow here cannot open it, so every iPhone
photo that the browser could not re-encode was refused as "not a photo we can read".
"""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from app.errors import ValidationError
from app.threads import photos
from tests.threads.test_photos import post_photo

ORIENTATION, MAKE, GPS = 0x0112, 0x010F, 0x8825


def iphone_heic(width: int = 2400, height: int = 1800) -> bytes:
    """A HEIC as an iPhone saves it: camera and GPS in EXIF, held sideways (orientation 6)."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    image.paste((40, 40, 200), (0, 0, width // 2, height))  # left half blue, right half red
    exif = Image.Exif()
    exif[MAKE] = "Apple"
    exif[ORIENTATION] = 6  # rotate 90° clockwise to view
    gps = exif.get_ifd(GPS)
    gps[1], gps[2], gps[3], gps[4] = "N", (10.0, 45.0, 30.0), "E", (105.0, 10.0, 5.0)
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=60, exif=exif.tobytes())
    return buffer.getvalue()


def test_an_iphone_heic_becomes_an_upright_jpeg_without_metadata(world):
    original = iphone_heic()
    assert original[4:12] == b"ftypheic"
    heif = pillow_heif.open_heif(io.BytesIO(original))
    assert b"Apple" in heif.info["exif"]  # the camera (and GPS) are in the file we send

    response = post_photo(world["resident_a"], "xa-a", original, filename="IMG_0001.HEIC")
    assert response.status_code == 201, response.get_json()
    served = world["official_a"].get(response.get_json()["photo_url"])
    assert served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "JPEG"
    # Turned once (portrait), not twice: the rotation is libheif's, EXIF's is not applied again.
    assert image.size == (1200, 1600)
    # Rotated clockwise, the left (blue) half is now on top.
    top, bottom = image.getpixel((600, 100)), image.getpixel((600, 1500))
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]
    assert not image.getexif()
    assert "icc_profile" not in image.info and "xmp" not in image.info


def test_a_broken_heic_is_not_a_photo_we_can_read(world):
    truncated = iphone_heic(320, 240)[:300]
    response = post_photo(world["resident_a"], "xa-a", truncated, filename="IMG_0002.HEIC")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "photo"


def test_a_heic_with_too_many_pixels_is_refused_before_decoding(app, monkeypatch):
    monkeypatch.setattr(photos, "MAX_SOURCE_PIXELS", 320 * 240 - 1)
    with pytest.raises(ValidationError, match="nhiều điểm ảnh") as refused:
        photos.process_photo(iphone_heic(320, 240))
    assert refused.value.field == "photo"
