"""``flask media check [--fix]`` and ``flask media migrate``: the objects and the posts agree.

Objects are written before the post's transaction commits (a post never names a missing
photo), so an upload whose transaction then failed, or a deletion whose object could not be
removed after the commit, leaves an orphan: ``check`` lists them and ``--fix`` removes those
older than ``--older-than`` minutes (an upload in progress is younger).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.media.storage import (
    LocalStorage,
    MediaStorage,
    MovingStorage,
    S3Storage,
    content_type_of,
    local_folder,
    media_storage,
)
from app.threads.models import Reply, Thread
from app.threads.photos import small_name

media_cli = AppGroup(
    "media", help="Photos and voice notes in their storage: check, clean up, move to a bucket."
)


@dataclass
class Report:
    objects: int = 0
    orphans: list[str] = field(default_factory=list)  # objects without a post
    missing: list[tuple[int, str]] = field(default_factory=list)  # (thread id, key)
    small_missing: int = 0  # derivatives made on first view: not a problem


def posts_keys() -> tuple[dict[str, int], set[str]]:
    """The objects posts need (key -> thread id), and those they may have (derivatives):
    threads' photos and voice notes, replies' voice notes (by their thread)."""
    photos = db.session.execute(
        select(Thread.id, Thread.photo_name).where(Thread.photo_name.is_not(None))
    ).all()
    voices = db.session.execute(
        select(Thread.id, Thread.voice_name)
        .where(Thread.voice_name.is_not(None))
        .union_all(select(Reply.thread_id, Reply.voice_name).where(Reply.voice_name.is_not(None)))
    ).all()
    needed = {name: thread_id for thread_id, name in photos}
    optional = {small_name(name) for name in needed}
    needed.update({name: thread_id for thread_id, name in voices})
    return needed, optional


def check_storage(storage: MediaStorage) -> tuple[Report, dict[str, datetime]]:
    """Compare the storage's objects with the posts; also each object's time."""
    needed, optional = posts_keys()
    report = Report()
    modified: dict[str, datetime] = {}
    for item in storage.objects():
        report.objects += 1
        modified[item.key] = item.modified
        if item.key not in needed and item.key not in optional:
            report.orphans.append(item.key)
    report.missing = sorted((tid, key) for key, tid in needed.items() if key not in modified)
    report.small_missing = len(optional - modified.keys())
    return report, modified


@media_cli.command("check")
@click.option("--fix", is_flag=True, help="Delete the objects that belong to no post.")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="With --fix: only orphans at least this many minutes old (uploads in progress).",
)
def check(fix: bool, older_than: int) -> None:
    """List objects without a post and posts without an object; exit 1 if any is left."""
    storage = media_storage()
    report, modified = check_storage(storage)
    click.echo(f"{storage.description}: {report.objects} objects.")
    for key in report.orphans:
        click.echo(f"object without a post: {key}")
    for thread_id, key in report.missing:
        click.echo(f"post without its object: thread {thread_id} ({key})")
    if report.small_missing:
        click.echo(f"{report.small_missing} small photos not made yet (made on first view).")
    left = len(report.orphans)
    if fix and report.orphans:
        limit = datetime.now(UTC) - timedelta(minutes=older_than)
        removed = 0
        for key in report.orphans:
            if modified[key] <= limit:
                storage.delete(key)
                removed += 1
        left -= removed
        click.echo(f"removed {removed} objects without a post; {left} younger ones kept.")
    if left or report.missing:
        raise SystemExit(1)
    click.echo("Every post has its object and every object its post.")


@media_cli.command("migrate")
@click.option("--remove-local", is_flag=True, help="Delete each local file once it is copied.")
def migrate(remove_local: bool) -> None:
    """Copy the local uploads folder into MEDIA_URL's bucket, while the site serves.

    Resumable: an object already in the bucket with the same size is not copied again, so an
    interrupted run is simply started again. Only objects of existing posts are copied.
    """
    storage = media_storage()
    if isinstance(storage, MovingStorage):
        bucket = storage.bucket
    elif isinstance(storage, S3Storage):
        bucket = storage
    else:
        raise click.ClickException("MEDIA_URL is not an s3:// bucket: nothing to move.")
    folder = LocalStorage(local_folder(current_app))
    needed, optional = posts_keys()
    there = {item.key: item.size for item in bucket.objects()}
    copied = kept = skipped = 0
    for item in folder.objects():
        if item.key not in needed and item.key not in optional:
            skipped += 1
            continue
        if there.get(item.key) == item.size:
            kept += 1
        else:
            data = folder.get(item.key)
            if data is None:  # deleted meanwhile, with its post
                continue
            bucket.put(item.key, data, content_type_of(item.key))
            copied += 1
        if remove_local:
            folder.delete(item.key)
    click.echo(
        f"{bucket.description}: {copied} copied, {kept} already there, "
        f"{skipped} local files of no post left in {folder.folder}."
    )
