"""The one page of a thread, rendered for the group's pages (/t/<id>) or, with the officials'
parts, for the workspace (/w/t/<id>): both use templates/threads/thread.html. It sits above
the threads, whose services it calls, because the officials' parts come from the workspace."""

from __future__ import annotations

from flask import g, render_template

from app.accounts.models import Account
from app.membership.models import OFFICIAL
from app.threads.confirmations import awaiting_confirmation
from app.threads.idempotency import new_form_key
from app.threads.models import Thread
from app.threads.services import STATUS_MOVES, readable_thread
from app.threads.supports import supported_ids
from app.workspace.thread_view import ThreadView, thread_view


def render_thread(
    thread: Thread,
    role: str,
    *,
    view: ThreadView | None = None,
    form: dict | None = None,
    error: str | None = None,
) -> str:
    return render_template(
        "threads/thread.html",
        thread=thread,
        role=role,
        view=view,
        moves=STATUS_MOVES[thread.status],
        form=form or {},
        error=error,
        form_key=new_form_key(),
        # Issue 14: "Đã được khắc phục chưa?" for its author once resolved; "me too".
        asks_fixed=awaiting_confirmation(thread, g.account),
        supported=bool(supported_ids([thread], g.account)),
    )


def render_thread_page(
    thread_id: int,
    account: Account | None,
    *,
    workspace: bool,
    canned_id: int | None = None,
    form: dict | None = None,
    error: str | None = None,
) -> str:
    """The page again, with what was typed and why it was refused. In the workspace the
    official has read the thread then (the caller commits)."""
    if workspace:
        view = thread_view(thread_id, account, canned_id=canned_id)
        return render_thread(view.thread, OFFICIAL, view=view, form=form, error=error)
    thread, role = readable_thread(thread_id, account)
    return render_thread(thread, role, form=form, error=error)
