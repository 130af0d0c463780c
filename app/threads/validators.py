"""What a reader of a feed or a thread may see, summarised cheaply for its ETag
(``app/conditional.py``): never the answer itself, only what changes whenever it changes.

A feed page is the rows of its threads as the reader may see them (the same scoping rule and
cursor as the page, only the columns that change: status, visibility, hiding, category,
urgency, deadlines and whether one passed, the author's name), with the commune's categories
and a few indexed aggregates over the commune: threads, replies, "me too"s and confirmations
(count and highest id: a new row raises the id, a removed one lowers the count), status
changes, and the audit log, where every moderation, status, urgency, category and commune
change is written. The reader's account and role are part of every tag, so private threads,
hidden posts and "supported" never leak through another member's tag.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, ScalarSelect, Select, bindparam, func, select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from app.membership.models import OFFICIAL
from app.models_base import utcnow
from app.threads.deadlines import is_overdue
from app.threads.models import (
    Category,
    Confirmation,
    Reply,
    StatusChange,
    Thread,
    ThreadFollower,
    ThreadSupport,
)
from app.threads.services import resident_scope

# The columns of a thread that may change after it was asked.
CHANGING = (
    Thread.id,
    Thread.status,
    Thread.visibility,
    Thread.hidden_at,
    Thread.category_id,
    Thread.urgent,
    Thread.first_response_at,
    Thread.respond_by,
    Thread.resolve_by,
)


def _count_and_max(column: Any, *where: ColumnElement[bool]) -> tuple[ScalarSelect, ScalarSelect]:
    return (
        select(func.count(column)).where(*where).scalar_subquery(),
        select(func.max(column)).where(*where).scalar_subquery(),
    )


# The statements are built once per process with bound parameters: building SQLAlchemy
# expressions costs more than running these indexed aggregates.
COMMUNE = bindparam("commune_id")
ACCOUNT = bindparam("account_id")


@functools.cache
def _aggregates() -> Select:
    threads = select(Thread.id).where(Thread.commune_id == COMMUNE)
    return select(
        *_count_and_max(Thread.id, Thread.commune_id == COMMUNE),
        *_count_and_max(Reply.id, Reply.thread_id.in_(threads)),
        *_count_and_max(ThreadSupport.id, ThreadSupport.thread_id.in_(threads)),
        *_count_and_max(Confirmation.id, Confirmation.thread_id.in_(threads)),
        select(func.max(StatusChange.id))
        .where(StatusChange.thread_id.in_(threads))
        .scalar_subquery(),
        select(func.max(AuditEvent.id)).where(AuditEvent.commune_id == COMMUNE).scalar_subquery(),
    )


@functools.cache
def _categories() -> Select:
    return select(
        Category.id,
        Category.name,
        Category.code,
        Category.personal,
        Category.archived,
        Category.position,
    ).where(Category.commune_id == COMMUNE)


@functools.cache
def _page(official: bool, paged: bool) -> Select:
    """``visible_threads`` and ``list_threads``' paging, with only the changing columns, each
    thread's count of visible replies (as ``reply_counts``) and the reader's "me too"."""
    replies = (
        select(func.count(Reply.id))
        .where(Reply.thread_id == Thread.id, Reply.hidden_at.is_(None))
        .correlate(Thread)
        .scalar_subquery()
    )
    supported = (
        select(func.count(ThreadSupport.id))
        .where(ThreadSupport.thread_id == Thread.id, ThreadSupport.account_id == ACCOUNT)
        .correlate(Thread)
        .scalar_subquery()
    )
    query = (
        select(*CHANGING, Account.display_name, replies.label("replies"), supported.label("mine"))
        .outerjoin(Account, Account.id == Thread.author_id)
        .where(Thread.commune_id == COMMUNE)
        .order_by(Thread.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if not official:
        query = query.where(*resident_scope(ACCOUNT))
    if paged:
        query = query.where(Thread.id < bindparam("before_id", type_=Integer))
    return query


def commune_state(commune: Commune) -> tuple:
    """The commune's name and categories and its aggregates, in two queries."""
    params = {"commune_id": commune.id}
    aggregates = db.session.execute(_aggregates(), params).one()
    categories = db.session.execute(_categories(), params).all()
    return (commune.slug, commune.name, tuple(aggregates), tuple(map(tuple, categories)))


class FeedState(NamedTuple):
    """A feed page's validator (``key``), and what its rows tell the page's answer for free:
    each thread's visible replies and whether the reader said "me too"."""

    key: tuple
    replies: dict[int, int]
    supported: set[int]


def feed_state(
    commune: Commune, account: Account, role: str, *, before_id: int | None, limit: int
) -> FeedState:
    """What the reader sees of one page of the feed, as ``list_threads`` pages it."""
    params = {"commune_id": commune.id, "account_id": account.id, "limit": limit + 1}
    if before_id is not None:
        params["before_id"] = before_id
    query = _page(role == OFFICIAL, before_id is not None)
    now = utcnow()
    rows = db.session.execute(query, params).all()
    key = tuple((*row, is_overdue(row, now)) for row in rows)
    return FeedState(
        key=(account.id, role, commune_state(commune), key),
        replies={row.id: row.replies for row in rows},
        supported={row.id for row in rows if row.mine},
    )


def thread_state(
    thread: Thread, account: Account, role: str, *, reach: dict[int, dict[str, int]] | None
) -> tuple:
    """What the reader sees of one thread already read with ``readable_thread`` (its
    ``replies`` are the ones the reader may see), with their own "me too" and following, and
    how far each reply reached when they may see that."""
    supported = db.session.scalar(
        select(func.count(ThreadSupport.id)).where(
            ThreadSupport.thread_id == thread.id, ThreadSupport.account_id == account.id
        )
    )
    following = db.session.scalar(
        select(func.count(ThreadFollower.id)).where(
            ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account.id
        )
    )
    history = db.session.execute(
        select(StatusChange.id, Account.display_name)
        .outerjoin(Account, Account.id == StatusChange.actor_id)
        .where(StatusChange.thread_id == thread.id)
    ).all()
    audit = db.session.scalar(
        select(func.max(AuditEvent.id)).where(AuditEvent.commune_id == thread.commune_id)
    )
    category = thread.category
    return (
        account.id,
        role,
        thread.commune.slug,
        tuple(getattr(thread, column.key) for column in CHANGING),
        thread.hidden_reason,
        thread.author.display_name if thread.author else None,
        is_overdue(thread),
        thread.supporters,
        (category.name, category.code, category.personal) if category else None,
        tuple((c.id, c.fixed, c.rating) for c in thread.confirmations),
        tuple(
            (r.id, r.hidden_at, r.hidden_reason, r.author.display_name if r.author else None)
            for r in thread.replies
        ),
        tuple(map(tuple, history)),
        supported,
        following,
        audit,
        sorted((reach or {}).items()),
    )
