"""Database engine set-up that must happen on every connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, g, request
from sqlalchemy import event

from app.extensions import db

# How SQLite transactions begin in this context. Requests that write, and the push worker,
# begin IMMEDIATE: they take the write lock up front, so a writer waits its turn (busy_timeout)
# instead of failing with "database is locked" when its read snapshot went stale before it
# wrote. Reading requests and everything else begin DEFERRED and never block a writer.
_sqlite_begin: ContextVar[str] = ContextVar("sqlite_begin", default="BEGIN")
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Turn on WAL and foreign keys for SQLite connections, and take control of BEGIN."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin_transaction)
    app.before_request(_choose_begin)
    app.teardown_request(_restore_begin)


def _choose_begin() -> None:
    writes = request.method not in READ_ONLY_METHODS
    g.sqlite_begin_token = _sqlite_begin.set("BEGIN IMMEDIATE" if writes else "BEGIN")


def _restore_begin(_error: BaseException | None) -> None:
    # The choice is for this request only, not for whatever this thread runs next.
    token = g.pop("sqlite_begin_token", None)
    if token is not None:
        _sqlite_begin.reset(token)


@contextmanager
def writing_transactions() -> Iterator[None]:
    """SQLite transactions begin IMMEDIATE inside this block (the push worker's loop)."""
    token = _sqlite_begin.set("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        _sqlite_begin.reset(token)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it oddly).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; NORMAL sync is safe under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin_transaction(connection: Any) -> None:
    connection.exec_driver_sql(_sqlite_begin.get())
