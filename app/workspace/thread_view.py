"""Everything the officials' page of one thread shows, gathered in one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.accounts.models import Account
from app.extensions import db
from app.membership.models import Membership
from app.membership.services import membership_of, officials_of, require_official
from app.threads.categories import active_categories
from app.threads.models import Thread, ThreadNote
from app.threads.moderation import open_flags_by_post
from app.threads.notes import thread_notes
from app.workspace.canned import canned_replies
from app.workspace.models import CannedReply
from app.workspace.unread import open_thread


@dataclass
class ThreadView:
    """Everything the workspace page of one thread shows."""

    thread: Thread
    notes: Sequence[ThreadNote]
    canned: Sequence[CannedReply]
    prefill: str
    assignees: Sequence[Account]
    categories: Sequence[Any]
    flags: dict[tuple[str, int], int]
    author_membership: Membership | None


def thread_view(thread_id: int, account: Account | None, *, canned_id: int | None) -> ThreadView:
    """An official opens a thread in the workspace (it is then read); ``canned_id`` puts that
    canned reply's text into the reply form."""
    thread, _role = open_thread(thread_id, account)
    require_official(account, thread.commune)
    canned = canned_replies(thread.commune, account)
    prefill = next((item.body for item in canned if item.id == canned_id), "")
    author = db.session.get(Account, thread.author_id) if thread.author_id else None
    return ThreadView(
        thread=thread,
        notes=thread_notes(thread.id, account),
        canned=canned,
        prefill=prefill,
        assignees=officials_of(thread.commune),
        categories=active_categories(thread.commune),
        flags=open_flags_by_post(thread.id),
        author_membership=membership_of(author, thread.commune) if author else None,
    )
