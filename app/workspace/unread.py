"""Unread markers: what happened in a thread since an official last opened it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from app.accounts.models import Account
from app.extensions import db
from app.membership.models import OFFICIAL
from app.models_base import as_utc, utcnow
from app.threads.models import Reply, StatusChange, Thread, ThreadNote
from app.threads.services import readable_thread
from app.workspace.models import ThreadRead


def _latest(query: Select[Any]) -> dict[int, datetime]:
    return {thread_id: as_utc(moment) for thread_id, moment in db.session.execute(query) if moment}


def unread_thread_ids(account: Account, threads: Sequence[Thread]) -> set[int]:
    """Threads with activity by someone else (the thread itself, a reply, a status change, a
    note) since ``account`` last opened them."""
    ids = [thread.id for thread in threads]
    if not ids:
        return set()
    read = _latest(
        select(ThreadRead.thread_id, ThreadRead.read_at).where(
            ThreadRead.account_id == account.id, ThreadRead.thread_id.in_(ids)
        )
    )
    activity: dict[int, datetime] = {}
    for thread in threads:
        if thread.author_id != account.id:
            activity[thread.id] = as_utc(thread.created_at)
    for model, thread_col, actor_col, time_col in (
        (Reply, Reply.thread_id, Reply.author_id, Reply.created_at),
        (StatusChange, StatusChange.thread_id, StatusChange.actor_id, StatusChange.created_at),
        (ThreadNote, ThreadNote.thread_id, ThreadNote.author_id, ThreadNote.created_at),
    ):
        latest = _latest(
            select(thread_col, func.max(time_col))
            .select_from(model)
            .where(
                thread_col.in_(ids),
                (actor_col.is_(None)) | (actor_col != account.id),
            )
            .group_by(thread_col)
        )
        for thread_id, moment in latest.items():
            if thread_id not in activity or moment > activity[thread_id]:
                activity[thread_id] = moment
    return {
        thread_id
        for thread_id, moment in activity.items()
        if thread_id not in read or moment > read[thread_id]
    }


def mark_read(account: Account, thread: Thread) -> None:
    """Remember that ``account`` opened ``thread`` now (one row per account and thread)."""
    now = utcnow()
    values = {"account_id": account.id, "thread_id": thread.id, "read_at": now}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ThreadRead).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "thread_id"], set_={"read_at": now}
    )
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except OperationalError:
        # SQLite: opening a thread is a GET, whose transaction began as a reader; if another
        # request wrote meanwhile, this write is refused. The marker is not worth a failed page:
        # the thread stays unread until it is opened again.
        pass


def open_thread(thread_id: int, account: Account | None) -> tuple[Thread, str]:
    """Read a thread; when an official opens it, it is no longer unread for them."""
    thread, role = readable_thread(thread_id, account)
    if role == OFFICIAL:
        assert account is not None
        mark_read(account, thread)
    return thread, role
