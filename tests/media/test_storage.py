"""The media storage interface, the same tests on the local folder and on an S3 endpoint."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.media.storage import (
    LocalStorage,
    MediaConfigError,
    MovingStorage,
    S3Storage,
    media_storage,
    s3_client,
)
from app.threads.models import Thread
from app.threads.photos import small_derivative
from tests.s3 import new_bucket, settings
from tests.server.helpers import free_port
from tests.threads.test_photos import jpeg_with_gps, post_photo


def test_put_get_delete_and_list(media):
    assert media.get("abc.jpg") is None
    media.put("abc.jpg", b"photo bytes", "image/jpeg")
    media.put("abc.small.webp", b"small", "image/webp")
    assert media.get("abc.jpg") == b"photo bytes"
    listed = {item.key: item for item in media.objects()}
    assert sorted(listed) == ["abc.jpg", "abc.small.webp"]
    assert listed["abc.jpg"].size == len(b"photo bytes")
    age = datetime.now(UTC) - listed["abc.jpg"].modified
    assert timedelta(minutes=-5) < age < timedelta(minutes=5)
    media.delete("abc.jpg")
    media.delete("abc.jpg")  # twice is fine
    assert media.get("abc.jpg") is None
    assert [item.key for item in media.objects()] == ["abc.small.webp"]


@pytest.mark.parametrize("key", ["../secret", "a/b.jpg", "", ".hidden", "x.jpg.partial"])
def test_keys_are_the_apps_own_names_only(media, key):
    with pytest.raises(ValueError):
        media.get(key)
    with pytest.raises(ValueError):
        media.put(key, b"x", "image/jpeg")


def test_a_photo_is_served_with_its_type_nosniff_and_byte_ranges(world, media):
    url = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(800, 600)).get_json()["photo_url"]
    reader = world["official_a"]
    whole = reader.get(url)
    assert whole.status_code == 200
    assert whole.mimetype == "image/jpeg"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Cache-Control"].startswith("private")
    # Opened alone, the browser's image viewer may style itself; nothing may run.
    policy = whole.headers["Content-Security-Policy"]
    assert policy.startswith("script-src 'none';") and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy

    part = reader.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.data == whole.data[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole.data)}"
    tail = reader.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == whole.data[-10:]
    beyond = reader.get(url, headers={"Range": f"bytes={len(whole.data) + 10}-"})
    assert beyond.status_code == 416


def test_a_photo_whose_object_is_gone_is_a_404(world, media):
    answer = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(400, 300)).get_json()
    name = answer["photo_url"].removeprefix("/photos/")
    media.delete(name)
    assert world["resident_a"].get(answer["photo_url"]).status_code == 404


def test_media_url_chooses_the_storage(tmp_path, monkeypatch, s3_endpoint):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    app = create_app(base)
    with app.app_context():
        assert isinstance(media_storage(), LocalStorage)
        assert media_storage().folder == tmp_path / "uploads"

    bucket = new_bucket(s3_endpoint)
    app = create_app({**base, **settings(s3_endpoint), "MEDIA_URL": f"s3://{bucket}/xa"})
    with app.app_context():
        storage = media_storage()
        assert isinstance(storage, S3Storage)
        assert (storage.bucket, storage.prefix) == (bucket, "xa/")
        storage.put("k.jpg", b"1", "image/jpeg")
        assert storage.get("k.jpg") == b"1"
        keys = storage.client.list_objects_v2(Bucket=bucket)["Contents"]
        assert [item["Key"] for item in keys] == ["xa/k.jpg"]
        # Nothing in the bucket is public: the owner's grant only, no AllUsers.
        grants = storage.client.get_object_acl(Bucket=bucket, Key="xa/k.jpg")["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
        assert all("URI" not in grant["Grantee"] for grant in grants)

    for wrong in ("https://bucket", "s3://", "s3://b?x=1"):
        with pytest.raises(MediaConfigError):
            create_app({**base, "MEDIA_URL": wrong})


def test_while_moving_reads_fall_back_to_the_folder(tmp_path, monkeypatch, s3_endpoint):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    LocalStorage(tmp_path / "uploads").put("old.jpg", b"old", "image/jpeg")
    bucket = new_bucket(s3_endpoint)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            **settings(s3_endpoint),
            "MEDIA_URL": f"s3://{bucket}",
        }
    )
    with app.app_context():
        storage = media_storage()
        assert isinstance(storage, MovingStorage)
        assert storage.get("old.jpg") == b"old"
        storage.put("new.jpg", b"new", "image/jpeg")
        assert storage.bucket.get("new.jpg") == b"new"
        assert storage.folder.get("new.jpg") is None
        storage.delete("old.jpg")
        assert storage.get("old.jpg") is None


def test_the_small_derivative_is_webp_of_at_most_30_kb(world, media):
    answer = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(4000, 3000)).get_json()
    small = world["resident_a"].get(answer["photo_url"] + "/small")
    assert small.status_code == 200
    assert small.mimetype == "image/webp"
    assert small.headers["X-Content-Type-Options"] == "nosniff"
    assert len(small.data) <= 30 * 1024
    image = Image.open(io.BytesIO(small.data))
    assert image.format == "WEBP" and image.size == (480, 360)
    assert not image.getexif()


def test_even_noise_fits_in_30_kb():
    # Noise is the worst case for a codec: fewer bytes of quality, then fewer pixels.
    noise = Image.effect_noise((1600, 1200), 100).convert("RGB")
    small = small_derivative(noise)
    assert len(small) <= 30 * 1024
    assert Image.open(io.BytesIO(small)).format == "WEBP"


def test_an_unreachable_bucket_is_a_503_to_retry_and_nothing_is_kept(world, app):
    # Nothing listens on this port: what a bucket that is down looks like to the app.
    dead = settings(f"http://127.0.0.1:{free_port()}")
    saved = app.extensions["media"]
    app.extensions["media"] = S3Storage(s3_client(dead), "gone", "")
    try:
        answer = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(400, 300))
        assert answer.status_code == 503
        assert answer.get_json()["error"]["code"] == "unavailable"
        form = world["resident_a"].post(
            "/c/xa-a/threads",
            data={
                "kind": "report",
                "body": "Đèn đường hỏng",
                "photo": (io.BytesIO(jpeg_with_gps(400, 300)), "den.jpg"),
            },
            content_type="multipart/form-data",
        )
        # The form again, with what was typed and what to do.
        assert form.status_code == 503
        assert "Đèn đường hỏng" in form.get_data(as_text=True)
        assert db.session.scalar(select(func.count(Thread.id))) == 0
    finally:
        app.extensions["media"] = saved
