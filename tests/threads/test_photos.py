"""Photos: a real image check, downscaling, no metadata (GPS included), access like the thread."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.threads.models import Thread
from app.threads.photos import small_name

# Every test here runs on the local folder and on an S3 bucket (tests/conftest.py's ``media``).
pytestmark = pytest.mark.usefixtures("media")


def jpeg_with_gps(width: int = 3000, height: int = 2000) -> bytes:
    """A phone-like JPEG with EXIF camera data and a GPS position."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (10.0, 45.0, 30.0)
    gps[3] = "E"
    gps[4] = (105.0, 10.0, 5.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def post_photo(client, slug, data, *, visibility="public", filename="ngap.jpg"):
    return client.post(
        f"/api/v1/communes/{slug}/threads",
        data={
            "kind": "report",
            "body": "Ngập nước trước chợ",
            "visibility": visibility,
            "photo": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def test_photo_is_downscaled_and_stripped_of_metadata(world):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there
    response = post_photo(world["resident_a"], "xa-a", original)
    assert response.status_code == 201, response.get_json()
    url = response.get_json()["photo_url"]
    assert url.startswith("/photos/") and url.endswith(".jpg")
    assert response.get_json()["photo_small_url"] == f"{url}/small"

    served = world["official_a"].get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert max(image.size) == 1600
    assert not image.getexif()  # no EXIF at all: no camera, no GPS
    assert "icc_profile" not in image.info and "xmp" not in image.info


def test_not_an_image_is_refused_and_nothing_is_saved(world):
    response = post_photo(world["resident_a"], "xa-a", b"<?php echo 1; ?>", filename="x.jpg")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "photo"
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_decompression_bomb_is_refused(world):
    bomb = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(bomb, format="PNG", optimize=True)
    response = post_photo(world["resident_a"], "xa-a", bomb.getvalue(), filename="bomb.png")
    assert response.status_code == 422


def test_private_photo_is_seen_only_by_author_and_officials(world):
    response = post_photo(
        world["resident_a"], "xa-a", jpeg_with_gps(400, 300), visibility="officials"
    )
    url = response.get_json()["photo_url"]
    assert world["resident_a"].get(url).status_code == 200
    assert world["official_a"].get(url).status_code == 200
    for outsider in ("resident_a2", "official_b", "resident_b"):
        assert world[outsider].get(url).status_code == 404, outsider


@pytest.mark.parametrize("size", [(64, 48), (1200, 1600)])
def test_png_with_transparency_becomes_jpeg(world, size):
    buffer = io.BytesIO()
    Image.new("RGBA", size, (255, 0, 0, 128)).save(buffer, format="PNG")
    response = post_photo(world["resident_a"], "xa-a", buffer.getvalue(), filename="a.png")
    assert response.status_code == 201
    served = world["resident_a"].get(response.get_json()["photo_url"])
    assert Image.open(io.BytesIO(served.data)).size == size


def test_photo_through_the_plain_form(world):
    response = world["resident_a"].post(
        "/c/xa-a/threads",
        data={
            "kind": "report",
            "body": "Rác chưa thu gom",
            "visibility": "public",
            "photo": (io.BytesIO(jpeg_with_gps(800, 600)), "rac.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert thread.photo_name and thread.photo_width == 800


def test_pages_show_the_small_photo_linked_to_the_full_one(world):
    answer = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(1200, 900)).get_json()
    url = answer["photo_url"]
    for page in (f"/t/{answer['id']}", "/c/xa-a"):
        html = world["resident_a2"].get(page).get_data(as_text=True)
        assert f'<a class="photo-link" href="{url}"><img class="photo' in html, page
        assert f'src="{url}/small"' in html, page
        assert f'src="{url}"' not in html, page  # the full photo only on tap


def test_an_old_photo_gets_its_small_one_when_first_asked(world, media):
    answer = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(1600, 1200)).get_json()
    name = answer["photo_url"].removeprefix("/photos/")
    small = small_name(name)
    media.delete(small)  # as a photo stored before derivatives existed
    served = world["resident_a"].get(f"/photos/{name}/small")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert media.get(small) == served.data  # made once, kept
    assert Image.open(io.BytesIO(served.data)).size == (480, 360)


def test_the_small_photo_is_for_the_same_readers(world):
    response = post_photo(
        world["resident_a"], "xa-a", jpeg_with_gps(400, 300), visibility="officials"
    )
    url = response.get_json()["photo_url"] + "/small"
    assert world["official_a"].get(url).status_code == 200
    for outsider in ("resident_a2", "official_b", "resident_b"):
        assert world[outsider].get(url).status_code == 404, outsider
    assert world["resident_a"].get("/photos/nothing.jpg/small").status_code == 404
