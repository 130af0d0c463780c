"""Following a thread instead of asking again: its notifications as a participant."""

from __future__ import annotations

from sqlalchemy import delete, select

from app.accounts.models import Account
from app.extensions import db
from app.models_base import insert_once
from app.threads.models import Thread, ThreadFollower
from app.threads.services import readable_thread


def is_following(thread: Thread, account: Account) -> bool:
    return (
        db.session.scalar(
            select(ThreadFollower.id).where(
                ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account.id
            )
        )
        is not None
    )


def follow(thread_id: int, account: Account | None) -> bool:
    """Follow a thread the caller may read (its notifications as a participant); True when
    new, False when already followed."""
    thread, _role = readable_thread(thread_id, account)
    assert account is not None
    if is_following(thread, account):
        return False
    return insert_once(ThreadFollower(thread_id=thread.id, account_id=account.id))


def unfollow(thread_id: int, account: Account | None) -> None:
    thread, _role = readable_thread(thread_id, account)
    assert account is not None
    db.session.execute(
        delete(ThreadFollower).where(
            ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account.id
        )
    )
