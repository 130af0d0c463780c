"""The one page of a thread, rendered for the group's pages (/t/<id>) or, with the officials'
parts, for the workspace (/w/t/<id>): both use templates/threads/thread.html. It sits above
the threads, whose services it calls, because the officials' parts come from the workspace."""

from __future__ import annotations

from flask import g, render_template

from app.accounts.models import Account
from app.extensions import db
from app.membership.in_app import in_app_help
from app.membership.models import OFFICIAL
from app.threads.confirmations import awaiting_confirmation
from app.threads.idempotency import new_form_key
from app.threads.models import Thread
from app.threads.schemas import BODY_LIMIT
from app.threads.services import STATUS_MOVES, may_see_thread, readable_thread
from app.threads.supports import supported_ids
from app.workspace.thread_view import ThreadView, thread_view


def render_thread(
    thread: Thread,
    role: str,
    *,
    view: ThreadView | None = None,
    form: dict | None = None,
    error: str | None = None,
    error_field: str | None = None,
    asked: bool = False,
) -> str:
    """``asked``: just asked by the person reading it (they are told what happens next)."""
    return render_template(
        "threads/thread.html",
        thread=thread,
        role=role,
        view=view,
        moves=STATUS_MOVES[thread.status],
        form=form or {},
        error=error,
        error_field=error_field,
        body_limit=BODY_LIMIT,
        form_key=new_form_key(),
        asked=asked,
        **(in_app_help(thread.commune) if asked else {}),
        # Issue 14: "Đã được khắc phục chưa?" for its author once resolved; "me too".
        asks_fixed=awaiting_confirmation(thread, g.account),
        supported=bool(supported_ids([thread], g.account)),
        original=_original(thread, role),
    )


def _original(thread: Thread, role: str) -> Thread | None:
    """The thread this one was closed as a duplicate of, if the reader may open it."""
    if thread.duplicate_of_id is None:
        return None
    original = db.session.get(Thread, thread.duplicate_of_id)
    if original is None or not may_see_thread(original, g.account, role):
        return None
    return original


def render_thread_page(
    thread_id: int,
    account: Account | None,
    *,
    workspace: bool,
    canned_id: int | None = None,
    form: dict | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> str:
    """The page again, with what was typed and why it was refused. In the workspace the
    official has read the thread then (the caller commits). ``error_field`` names the field
    the refusal is about: it is marked invalid and takes the focus."""
    if workspace:
        view = thread_view(thread_id, account, canned_id=canned_id)
        return render_thread(
            view.thread, OFFICIAL, view=view, form=form, error=error, error_field=error_field
        )
    thread, role = readable_thread(thread_id, account)
    return render_thread(thread, role, form=form, error=error, error_field=error_field)
