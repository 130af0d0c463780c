""" "Me too" (ủng hộ): a member says a public thread's problem touches them as well, so the
officials see how many people it affects. Once per member; taking it back is allowed."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import Account
from app.errors import Forbidden
from app.extensions import db
from app.models_base import insert_once
from app.threads.models import Thread, ThreadSupport
from app.threads.services import readable_thread


def _supportable(thread_id: int, account: Account | None) -> Thread:
    thread, _role = readable_thread(thread_id, account)
    if thread.visibility != "public":
        raise Forbidden(_("Only public threads can be supported."))
    return thread


def support(thread_id: int, account: Account | None) -> bool:
    """Add the caller's "me too"; True when new, False when already given."""
    thread = _supportable(thread_id, account)
    assert account is not None
    if supported_ids([thread], account):
        return False
    return insert_once(ThreadSupport(thread_id=thread.id, account_id=account.id))


def unsupport(thread_id: int, account: Account | None) -> None:
    thread = _supportable(thread_id, account)
    assert account is not None
    db.session.execute(
        delete(ThreadSupport).where(
            ThreadSupport.thread_id == thread.id, ThreadSupport.account_id == account.id
        )
    )


def supported_ids(threads: Sequence[Thread], account: Account | None) -> set[int]:
    """Which of a page of threads the caller supports, in one query."""
    ids = [thread.id for thread in threads]
    if not ids or account is None:
        return set()
    return set(
        db.session.scalars(
            select(ThreadSupport.thread_id).where(
                ThreadSupport.thread_id.in_(ids), ThreadSupport.account_id == account.id
            )
        )
    )
