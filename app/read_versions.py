"""Each commune's read version: raised in the same transaction as any change that a reader of
its group may see, so a feed's ETag and its cached answer are checked with one column
(``commune.read_version``) instead of a scan of what the feed shows.

Every write goes through the session, so two listeners see them all:

- ``after_flush``: each new, changed or deleted row of the session, unless its table holds
  nothing a feed or the group's page shows (``UNSEEN``). Its commune is the row's own
  (``Commune``), its ``commune_id``, its thread's (``thread_id``), or for an account (a
  display name) every commune it is a member of.
- ``do_orm_execute``: a bulk ``update()``/``delete()`` on such a table (privacy's erasure,
  the overdue and escalation claims, duplicates' "me too" move) finds its communes from the
  statement's own WHERE before it runs.

What changes with time alone (a deadline passing, an announcement expiring) is the feed's
business: its cached answer holds the next such moment (``app/read_cache.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, select, union, update
from sqlalchemy.orm import ORMExecuteState, Session

from app.accounts.models import Account
from app.communes.models import Commune
from app.membership.models import Membership
from app.threads.models import Reply, Thread

# Tables whose rows no feed, group page or thread list shows: sessions and secrets, delivery
# machinery, the search index, officials' own read markers, notes and canned replies, flags,
# followers (shown on a thread's own page, whose tag is computed from it), rate counters.
UNSEEN = frozenset(
    {
        "api_client",
        "canned_reply",
        "client_report",
        "day_off",
        "delivery",
        "flag",
        "idempotency_key",
        "invitation",
        "login_session",
        "overdue_digest",
        "password_reset",
        "push_message",
        "push_subscription",
        "rate_counter",
        "recovery_code",
        "retired_join_token",
        "search_entry",
        "sign_in_code",
        "thread_follower",
        "thread_note",
        "thread_read",
    }
)


def _seen(table: str) -> bool:
    return table not in UNSEEN


def bump(session: Session, commune_ids: Iterable[int | None]) -> None:
    """Give ``commune_ids`` a new read version in the session's transaction (in id order, so
    two writers on PostgreSQL take the rows' locks in the same order). A random one, not a
    count: a database restored from a backup never repeats a version a process has seen."""
    ids = sorted({commune_id for commune_id in commune_ids if commune_id is not None})
    if not ids:
        return
    table = Commune.__table__
    session.connection().execute(
        update(table).where(table.c.id.in_(ids)).values(read_version=secrets.randbits(62))
    )
    # A commune loaded in this session reads its new version when next used.
    for instance in session.identity_map.values():
        if isinstance(instance, Commune) and instance.id in ids:
            session.expire(instance, ["read_version"])


def _thread_communes(session: Session, thread_ids: set[int]) -> set[int]:
    if not thread_ids:
        return set()
    statement = select(Thread.commune_id).where(Thread.id.in_(sorted(thread_ids)))
    return set(session.connection().execute(statement).scalars())


def _account_communes(session: Session, account_ids: set[int]) -> set[int]:
    """Where an account's name shows: its groups, and wherever it still signs a thread or a
    reply (an official taken off a commune keeps their answers)."""
    if not account_ids:
        return set()
    ids = sorted(account_ids)
    statement = union(
        select(Membership.commune_id).where(Membership.account_id.in_(ids)),
        select(Thread.commune_id).where(Thread.author_id.in_(ids)),
        select(Thread.commune_id).where(
            Thread.id.in_(select(Reply.thread_id).where(Reply.author_id.in_(ids)))
        ),
    )
    return set(session.connection().execute(statement).scalars())


def _after_flush(session: Session, _context: Any) -> None:
    communes: set[int] = set()
    threads: set[int] = set()
    accounts: set[int] = set()
    changed = [
        *session.new,
        *(obj for obj in session.dirty if session.is_modified(obj, include_collections=False)),
        *session.deleted,
    ]
    for instance in changed:
        table = getattr(type(instance), "__tablename__", None)
        if table is None or not _seen(table):
            continue
        if isinstance(instance, Commune):
            communes.add(instance.id)
        elif isinstance(instance, Account):
            accounts.add(instance.id)
        elif getattr(instance, "commune_id", None) is not None:
            communes.add(instance.commune_id)
        elif getattr(instance, "thread_id", None) is not None:
            threads.add(instance.thread_id)
    communes |= _thread_communes(session, threads)
    communes |= _account_communes(session, accounts)
    bump(session, communes)


def _before_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or not _seen(mapper.local_table.name):
        return
    model = mapper.class_
    where = getattr(state.statement, "_where_criteria", ())
    session = state.session
    if not where:
        # Rows named by their primary keys in the parameters, or every row: every commune.
        statement = select(Commune.id)
        bump(session, session.connection().execute(statement).scalars())
        return
    if model is Commune:
        found = select(Commune.id).where(*where)
    elif model is Account:
        accounts = session.connection().execute(select(Account.id).where(*where)).scalars()
        bump(session, _account_communes(session, set(accounts)))
        return
    elif hasattr(model, "commune_id"):
        found = select(model.commune_id).where(*where)
    elif hasattr(model, "thread_id"):
        found = select(Thread.commune_id).where(
            Thread.id.in_(select(model.thread_id).where(*where))
        )
    else:
        return
    bump(session, session.connection().execute(found).scalars())


def connect_listeners() -> None:
    """Called by create_app; process-wide, and connecting twice is a no-op."""
    for name, listener in (("after_flush", _after_flush), ("do_orm_execute", _before_bulk)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
