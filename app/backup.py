"""``flask backup PATH``: a consistent copy of the database while the service runs, and what
to do for the photos, which are not in it (a folder or a bucket, app/media)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.media.storage import backup_advice, media_storage


def backup_sqlite(target: Path) -> None:
    """SQLite's online backup API: a consistent snapshot even with writers active (WAL)."""
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise click.ClickException("An in-memory database cannot be backed up.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    with sqlite3.connect(database) as source, sqlite3.connect(partial) as copy:
        source.backup(copy, pages=1024)
    os.replace(partial, target)  # never leave a half-written file under the final name


def backup_postgresql(target: Path) -> None:
    """pg_dump in its custom format (restore with ``pg_restore -d DATABASE PATH``)."""
    if shutil.which("pg_dump") is None:
        raise click.ClickException("pg_dump is not installed (apt-get install postgresql-client).")
    url = db.engine.url.set(drivername="postgresql")
    target.parent.mkdir(parents=True, exist_ok=True)  # as for SQLite: a new folder is fine
    partial = target.with_suffix(target.suffix + ".partial")
    subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--file={partial}",
            url.render_as_string(hide_password=False),
        ],
        check=True,
    )
    os.replace(partial, target)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent backup of the database to PATH."""
    if db.engine.dialect.name == "sqlite":
        backup_sqlite(path)
    else:
        backup_postgresql(path)
    current_app.logger.info("backup written")
    click.echo(f"Backup written to {path} ({path.stat().st_size} bytes).")
    click.echo(backup_advice(media_storage()))
