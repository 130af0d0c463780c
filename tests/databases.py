"""Throwaway databases for the test run: SQLite always, PostgreSQL when a server is reachable."""

from __future__ import annotations

import functools
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

# The server to create throwaway databases on (trust auth on this machine).
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@functools.cache
def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL can be used, else why not (asked once per process)."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {ADMIN_URL} is not reachable ({error.__class__.__name__})"


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards."""
    name = f"cf_test_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # A throwaway database need not survive a crash: commits do not wait for the disk,
        # for every connection to it (servers the tests start included).
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name))
        )
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        _drop_in_the_background(name)


# Kept until the run ends, so that no Popen is collected (and warns) while its drop runs.
_DROPS: list[subprocess.Popen] = []
_DROP = """
import sys, psycopg
from psycopg import sql
drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[2]))
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(drop)
"""


def _drop_in_the_background(name: str) -> None:
    """DROP DATABASE waits for a checkpoint, seconds (tens on a busy machine) that no test
    needs to wait for: a process of its own drops it, and may outlive the run."""
    _DROPS.append(
        subprocess.Popen(
            [sys.executable, "-c", _DROP, ADMIN_URL, name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )


@contextmanager
def postgres_for_test() -> Iterator[str]:
    """A throwaway PostgreSQL database for a test or fixture: skipped when no server is
    reachable, or failed when ``REQUIRE_POSTGRES=1`` (CI) says it must be there."""
    reason = postgres_unavailable_reason()
    if reason is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with throwaway_postgres() as url:
        yield url


@contextmanager
def separate_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same backend as ``database_url`` (the run's own, which
    create_all() built for the other tests), for a test that runs the migrations itself."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    with throwaway_postgres() as url:
        yield url
