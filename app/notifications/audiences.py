"""Who hears of a message: the members of its commune who want its kind, may read what it is
about, and have a part in it (the author, followers, participants, officials)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import aliased

from app.announcements.models import Announcement
from app.membership.models import OFFICIAL, Membership
from app.models_base import utcnow
from app.notifications.kinds import wants
from app.push.models import (
    KIND_ANSWER,
    KIND_DIGEST,
    KIND_DISCUSSION,
    KIND_DUPLICATE,
    KIND_ESCALATION,
    KIND_NEW_THREAD,
    KIND_OVERDUE,
    PushMessage,
    PushSubscription,
)
from app.threads.models import Reply, Thread, ThreadFollower


def followers_of(thread_id: int | None) -> Select[Any]:
    return select(ThreadFollower.account_id).where(ThreadFollower.thread_id == thread_id)


def reads_thread() -> ColumnElement[bool]:
    """The joined member may read the joined thread: ``may_see_thread`` in SQL (officials
    always; its author always, hidden or not; anyone else only a public thread not hidden)."""
    return or_(
        Membership.role == OFFICIAL,
        Membership.account_id == Thread.author_id,
        and_(Thread.visibility == "public", Thread.hidden_at.is_(None)),
    )


def reads_reply() -> ColumnElement[bool]:
    """The joined member may read the joined reply: ``may_see_reply`` in SQL."""
    return or_(
        Membership.role == OFFICIAL,
        Reply.hidden_at.is_(None),
        Membership.account_id == Reply.author_id,
    )


def reads_announcement(now: datetime) -> ColumnElement[bool]:
    """``readable_announcement`` in SQL: residents until it expires, officials always."""
    return or_(
        Membership.role == OFFICIAL,
        Announcement.expires_at.is_(None),
        Announcement.expires_at > now,
    )


def members_told(message: PushMessage, account_ids: Sequence[int]) -> Select[Any]:
    """The live subscriptions of these members of the message's commune who want its kind
    and may read its thread (never its actor): for a message whose audience is a list of
    people known when it is queued."""
    return _members_who_may_hear(message).where(Membership.account_id.in_(list(account_ids)))


def _members_who_may_hear(message: PushMessage) -> Select[Any]:
    """The live subscriptions of the members of the message's commune who want its kind and
    may read its thread, its actor left out: what every audience starts from."""
    query = (
        select(PushSubscription.id)
        .join(Membership, Membership.account_id == PushSubscription.account_id)
        .where(
            Membership.commune_id == message.commune_id,
            wants(message.kind).is_(true()),
            PushSubscription.retired_at.is_(None),
        )
    )
    if message.actor_id is not None:
        query = query.where(PushSubscription.account_id != message.actor_id)
    if message.thread_id is not None:
        query = query.join(Thread, Thread.id == message.thread_id).where(reads_thread())
    return query


def audience(message: PushMessage) -> Select[Any]:
    """The subscriptions a message goes to: one query, so it scales to any group size.

    Computed when the worker expands the message, from what each member may read at that
    moment: a thread hidden (or a reply hidden) since it was queued reaches only those who
    still see it. Leaving the group ends a person's membership, so the join drops them;
    deleting an account deletes its subscriptions; a member stopped from posting still reads,
    so still hears. Retired subscriptions are left out.
    """
    query = _members_who_may_hear(message)
    if message.reply_id is not None:
        query = query.join(Reply, Reply.id == message.reply_id).where(reads_reply())
    if message.announcement_id is not None:
        query = query.join(Announcement, Announcement.id == message.announcement_id).where(
            reads_announcement(utcnow())
        )
    # Members who follow the thread hear of it as its author and participants do.
    followers = followers_of(message.thread_id)
    if message.kind == KIND_ANSWER:
        query = query.where(
            or_(Membership.account_id == Thread.author_id, Membership.account_id.in_(followers))
        )
    elif message.kind == KIND_DISCUSSION:
        earlier = aliased(Reply)  # not the outer query's Reply (the reply being announced)
        repliers = select(earlier.author_id).where(
            earlier.thread_id == message.thread_id, earlier.author_id.is_not(None)
        )
        query = query.where(
            or_(
                Membership.role == OFFICIAL,
                Membership.account_id == Thread.author_id,
                Membership.account_id.in_(repliers),
                Membership.account_id.in_(followers),
            )
        )
    elif message.kind in (KIND_NEW_THREAD, KIND_OVERDUE, KIND_DIGEST, KIND_ESCALATION):
        query = query.where(Membership.role == OFFICIAL)
    elif message.kind == KIND_DUPLICATE:
        # Written at once by its queuer; were it expanded here, its author and followers.
        query = query.where(
            or_(Membership.account_id == Thread.author_id, Membership.account_id.in_(followers))
        )
    return query
