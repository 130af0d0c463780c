"""The audit log as one reader may see it.

The log says that something happened to a post, to everyone who may read the log; the reason
given (a decline note, a hide or flag reason) quotes or describes the post, so it is shown only
to readers who may read that post: officials of the commune, or anyone when the post is public
and not hidden. An admin who serves no commune there sees the event without its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.extensions import db
from app.membership.models import OFFICIAL, Membership
from app.threads.models import Reply, Thread


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int | None
    actor_name: str
    commune_id: int | None
    action: str
    target_type: str | None
    target_id: int | None
    reason: str | None
    reason_withheld: bool
    detail: str | None
    created_at: datetime


def readable_entries(reader: Account, rows: Sequence[AuditEvent]) -> list[AuditEntry]:
    """``rows`` with the reasons ``reader`` may not read left out (three queries at most)."""
    private = _private_post_events(reader, rows)
    return [
        AuditEntry(
            id=row.id,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            commune_id=row.commune_id,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            reason=None if row.id in private else row.reason,
            reason_withheld=row.id in private and row.reason is not None,
            detail=row.detail,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _private_post_events(reader: Account, rows: Sequence[AuditEvent]) -> set[int]:
    about_posts = [
        row
        for row in rows
        if row.reason and row.target_type in ("thread", "reply") and row.target_id
    ]
    if not about_posts:
        return set()
    served = set(
        db.session.scalars(
            select(Membership.commune_id).where(
                Membership.account_id == reader.id, Membership.role == OFFICIAL
            )
        )
    )
    open_threads = _public_visible_threads(
        {row.target_id for row in about_posts if row.target_type == "thread"}
    )
    open_replies = _public_visible_replies(
        {row.target_id for row in about_posts if row.target_type == "reply"}
    )
    private = set()
    for row in about_posts:
        if row.commune_id in served:
            continue
        readable = open_threads if row.target_type == "thread" else open_replies
        if row.target_id not in readable:  # private, hidden, or deleted since
            private.add(row.id)
    return private


def _public_visible_threads(ids: set[int | None]) -> set[int]:
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Thread.id).where(
                Thread.id.in_(ids), Thread.visibility == "public", Thread.hidden_at.is_(None)
            )
        )
    )


def _public_visible_replies(ids: set[int | None]) -> set[int]:
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Reply.id)
            .join(Thread, Thread.id == Reply.thread_id)
            .where(
                Reply.id.in_(ids),
                Reply.hidden_at.is_(None),
                Thread.visibility == "public",
                Thread.hidden_at.is_(None),
            )
        )
    )
