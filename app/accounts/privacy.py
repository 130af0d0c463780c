"""What we hold about a person, handed over on request; and forgetting them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.extensions import db
from app.feedback.models import Reply, StatusChange, Thread
from app.membership.models import Membership
from app.models_base import isoformat
from app.push.models import PushSubscription


def export_data(account: Account) -> dict[str, Any]:
    """Everything stored about ``account``, as JSON-ready data."""
    memberships = db.session.scalars(
        select(Membership).where(Membership.account_id == account.id)
    ).all()
    threads = db.session.scalars(select(Thread).where(Thread.author_id == account.id)).all()
    replies = db.session.scalars(select(Reply).where(Reply.author_id == account.id)).all()
    subscriptions = db.session.scalars(
        select(PushSubscription).where(PushSubscription.account_id == account.id)
    ).all()
    return {
        "account": {
            "id": account.id,
            "display_name": account.display_name,
            "email": account.email,
            "kind": account.kind,
            "created_at": isoformat(account.created_at),
        },
        "memberships": [
            {
                "commune": m.commune.slug,
                "role": m.role,
                "joined_at": isoformat(m.created_at),
                "notifications": {
                    "answers": m.notify_answers,
                    "discussion": m.notify_discussion,
                    "announcements": m.notify_announcements,
                    "new_threads": m.notify_new_threads,
                },
            }
            for m in memberships
        ],
        "threads": [
            {
                "id": t.id,
                "commune": t.commune.slug,
                "kind": t.kind,
                "title": t.title,
                "body": t.body,
                "visibility": t.visibility,
                "status": t.status,
                "has_photo": t.photo_name is not None,
                "created_at": isoformat(t.created_at),
            }
            for t in threads
        ],
        "replies": [
            {
                "id": r.id,
                "thread_id": r.thread_id,
                "body": r.body,
                "created_at": isoformat(r.created_at),
            }
            for r in replies
        ],
        # The endpoint identifies a browser at its push service; the keys stay private.
        "push_subscriptions": [
            {"endpoint": s.endpoint, "created_at": isoformat(s.created_at)} for s in subscriptions
        ],
    }


def detach_posts(account: Account, commune: Commune | None, *, delete_posts: bool) -> None:
    """Posts stay as "former member" (no author), or are deleted when asked."""
    thread_ids = select(Thread.id).where(Thread.author_id == account.id)
    reply_filter = [Reply.author_id == account.id]
    if commune is not None:
        thread_ids = thread_ids.where(Thread.commune_id == commune.id)
        reply_filter.append(
            Reply.thread_id.in_(select(Thread.id).where(Thread.commune_id == commune.id))
        )
    if delete_posts:
        db.session.execute(delete(Reply).where(*reply_filter))
        db.session.execute(delete(Thread).where(Thread.id.in_(thread_ids)))
    else:
        db.session.execute(update(Reply).where(*reply_filter).values(author_id=None))
        db.session.execute(update(Thread).where(Thread.id.in_(thread_ids)).values(author_id=None))


def delete_account(account: Account, *, delete_posts: bool) -> None:
    """Forget a person: memberships, subscriptions and sessions go at once."""
    detach_posts(account, None, delete_posts=delete_posts)
    for model, column in (
        (StatusChange, StatusChange.actor_id),
        (Announcement, Announcement.author_id),
    ):
        db.session.execute(update(model).where(column == account.id).values({column.key: None}))
    db.session.execute(delete(PushSubscription).where(PushSubscription.account_id == account.id))
    db.session.execute(delete(Membership).where(Membership.account_id == account.id))
    db.session.delete(account)
    db.session.flush()
