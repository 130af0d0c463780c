"""``flask media check [--fix]``, ``flask media migrate`` and what ``flask backup`` says."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.media.storage import LocalStorage, MovingStorage, S3Storage, local_folder
from app.threads.models import Thread
from app.threads.photos import small_name
from tests.threads.test_photos import jpeg_with_gps, post_photo


def _photo(world) -> str:
    answer = post_photo(world["resident_a"], "xa-a", jpeg_with_gps(800, 600)).get_json()
    return answer["photo_url"].removeprefix("/photos/")


def _run(app, *args: str):
    return app.test_cli_runner().invoke(args=["media", *args])


def test_check_lists_orphans_and_posts_without_their_object(app, world, media):
    kept, lost = _photo(world), _photo(world)
    assert _run(app, "check").exit_code == 0
    media.put("orphan.jpg", b"left by a failed upload", "image/jpeg")
    media.delete(lost)
    media.delete(small_name(kept))  # made again on first view: not a problem
    result = _run(app, "check")
    assert result.exit_code == 1
    assert "object without a post: orphan.jpg" in result.output
    thread_id = db.session.scalar(db.select(Thread.id).where(Thread.photo_name == lost))
    assert f"post without its object: thread {thread_id} ({lost})" in result.output
    assert "1 small photos not made yet" in result.output

    # A young orphan may be an upload whose post is not committed yet: kept by default.
    assert "removed 0" in _run(app, "check", "--fix").output
    fixed = _run(app, "check", "--fix", "--older-than", "0")
    assert "removed 1 objects without a post" in fixed.output
    assert media.get("orphan.jpg") is None
    assert media.get(kept) is not None  # only orphans go


@pytest.fixture
def folder(app, tmp_path, monkeypatch) -> LocalStorage:
    """The instance's own uploads folder, made empty for the test."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return LocalStorage(local_folder(app))


def test_migrate_moves_local_files_into_the_bucket_resumably(app, world, media, folder):
    if not isinstance(media, S3Storage):
        assert "nothing to move" in _run(app, "migrate").output
        return
    # Photos taken before the switch, in the folder.
    app.extensions["media"] = folder
    names = [_photo(world), _photo(world)]
    folder.put("nobodys.jpg", b"x", "image/jpeg")
    # MEDIA_URL switched and the hosts restarted: reads fall back to the folder meanwhile.
    app.extensions["media"] = MovingStorage(media, folder)
    assert world["resident_a2"].get(f"/photos/{names[0]}").status_code == 200
    assert media.get(names[0]) is None
    # An interrupted run copied one photo; running again copies what is left.
    media.put(names[0], folder.get(names[0]), "image/jpeg")
    first = _run(app, "migrate")
    assert first.exit_code == 0, first.output
    assert "3 copied, 1 already there, 1 local files of no post" in first.output
    assert "0 copied, 4 already there" in _run(app, "migrate").output
    assert "0 copied, 4 already there" in _run(app, "migrate", "--remove-local").output
    assert [item.key for item in folder.objects()] == ["nobodys.jpg"]
    app.extensions["media"] = media
    for name in names:
        assert world["resident_a2"].get(f"/photos/{name}").status_code == 200
        assert world["resident_a2"].get(f"/photos/{name}/small").mimetype == "image/webp"
    # The orphan left in the folder is not the bucket's business.
    assert _run(app, "check").exit_code == 0


def test_backup_says_where_the_photos_are(app, media, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.backup")])
    assert result.exit_code == 0, result.output
    assert "Photos are not in this file" in result.output
    if isinstance(media, S3Storage):
        assert f"bucket s3://{media.bucket}/" in result.output
        assert "versioning" in result.output
    else:
        assert str(media.folder) in result.output
