"""The resident closes the loop: after a thread is resolved its author says whether the
problem was fixed ("Đã được khắc phục chưa?"), once per resolution, with an optional rating.
"Not fixed" takes the thread back to ``in_progress``, recorded in its history as reopened by
the resident, and its resolve deadline counts again from then."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import Account
from app.errors import Conflict, Forbidden, ValidationError, as_object
from app.extensions import db
from app.models_base import utcnow
from app.schema.load import load
from app.signals import status_changed
from app.threads.deadlines import restart_resolve_deadline
from app.threads.models import Confirmation, StatusChange, Thread
from app.threads.schemas import ConfirmationRequest
from app.threads.services import readable_thread


def latest_resolution(thread: Thread) -> StatusChange | None:
    """The status change that resolved the thread, while it is resolved."""
    if thread.status != "resolved":
        return None
    return db.session.scalar(
        select(StatusChange)
        .where(StatusChange.thread_id == thread.id, StatusChange.to_status == "resolved")
        .order_by(StatusChange.id.desc())
        .limit(1)
    )


def awaiting_confirmation(thread: Thread, account: Account | None) -> bool:
    """Whether the thread page asks ``account`` "Đã được khắc phục chưa?"."""
    if account is None or thread.author_id != account.id:
        return False
    resolution = latest_resolution(thread)
    if resolution is None:
        return False
    answered = db.session.scalar(
        select(Confirmation.id).where(Confirmation.resolution_id == resolution.id)
    )
    return answered is None


def confirm(thread_id: int, account: Account | None, data: object) -> Confirmation:
    """The author answers whether the resolved problem was fixed (not committed)."""
    thread, _role = readable_thread(thread_id, account)
    assert account is not None
    if thread.author_id != account.id:
        raise Forbidden(_("Only the person who sent this can say whether it was fixed."))
    fields = load(ConfirmationRequest, as_object(data)).model_dump()
    resolution = latest_resolution(thread)
    if resolution is None:
        raise ValidationError(
            _("This thread is not resolved: there is nothing to confirm yet."), field="fixed"
        )
    done = db.session.scalar(
        select(Confirmation.id).where(Confirmation.resolution_id == resolution.id)
    )
    if done is not None:
        raise Conflict(_("You have already answered for this resolution."))
    now = utcnow()
    confirmation = Confirmation(
        thread_id=thread.id,
        resolution_id=resolution.id,
        account_id=account.id,
        fixed=fields["fixed"],
        rating=fields["rating"],
        comment=fields["comment"],
        created_at=now,
    )
    db.session.add(confirmation)
    if not fields["fixed"]:
        change = StatusChange(
            thread=thread,
            actor=account,
            from_status="resolved",
            to_status="in_progress",
            note=fields["comment"] or _("Reopened by the resident: the problem is not fixed."),
            created_at=now,
        )
        thread.status = "in_progress"
        db.session.add(change)
        restart_resolve_deadline(thread, now)
        db.session.flush()
        status_changed.send(change)  # the officials and followers hear that it is reopened
    db.session.flush()
    return confirmation
