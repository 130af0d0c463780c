"""What officials add to a thread for each other: internal notes, who takes care of it, and
its category. Residents never see notes."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.accounts.models import Account
from app.audit.services import record
from app.errors import ValidationError, as_object
from app.extensions import db
from app.membership.models import OFFICIAL
from app.membership.services import role_in
from app.parsing import parse_id
from app.threads.access import official_thread
from app.threads.categories import clean_category
from app.threads.models import Thread, ThreadNote
from app.threads.services import BODY_LIMIT
from app.validation import TextField, clean_fields

NOTE_FIELDS = (TextField("body", lazy_gettext("The note"), max_len=BODY_LIMIT),)


def thread_notes(thread_id: int, account: Account | None) -> Sequence[ThreadNote]:
    """Internal notes, oldest first: officials of the thread's commune only."""
    thread = official_thread(thread_id, account)
    return db.session.scalars(
        select(ThreadNote).where(ThreadNote.thread_id == thread.id).order_by(ThreadNote.id)
    ).all()


def add_note(thread_id: int, account: Account | None, data: object) -> ThreadNote:
    thread = official_thread(thread_id, account)
    fields = clean_fields(as_object(data), NOTE_FIELDS)
    note = ThreadNote(thread_id=thread.id, author=account, body=fields["body"])
    db.session.add(note)
    db.session.flush()
    return note


def assign_thread(thread_id: int, account: Account | None, data: object) -> Thread:
    """``{"assignee": <official's id> | null}``: who takes care of the thread."""
    thread = official_thread(thread_id, account)
    value = as_object(data).get("assignee")
    assignee = None
    if value not in (None, ""):
        message = _("Choose an official of this commune.")
        assignee = db.session.get(Account, parse_id(value, "assignee", message=message))
        if assignee is None or role_in(assignee, thread.commune) != OFFICIAL:
            raise ValidationError(_("Choose an official of this commune."), field="assignee")
    before = thread.assignee_id
    thread.assignee = assignee
    db.session.flush()
    if before != thread.assignee_id:
        record(
            account,
            "thread.assign",
            commune_id=thread.commune_id,
            target_type="thread",
            target_id=thread.id,
            detail={
                "from": before,
                "to": thread.assignee_id,
                "to_name": assignee.display_name if assignee else None,
            },
        )
    return thread


def recategorise_thread(thread_id: int, account: Account | None, data: object) -> Thread:
    """``{"category": <id of an active category of the commune> | null}``."""
    thread = official_thread(thread_id, account)
    category = clean_category(thread.commune, as_object(data).get("category"))
    before = thread.category_id
    thread.category = category
    db.session.flush()
    if before != thread.category_id:
        record(
            account,
            "thread.category",
            commune_id=thread.commune_id,
            target_type="thread",
            target_id=thread.id,
            detail={"from": before, "to": thread.category_id},
        )
    return thread
