"""Officials mark a report urgent or not urgent (issue 14). Each change is kept in the audit
log (``thread.urgent``, from and to), and the response deadline follows it: an hour of clock
time from the marking, or the category's working hours from the thread's creation again."""

from __future__ import annotations

from datetime import UTC

from app.accounts.models import Account
from app.audit.services import record
from app.membership.services import require_official
from app.models_base import as_utc, utcnow
from app.schema.load import load
from app.threads.deadlines import URGENT_RESPONSE, calendar_for, respond_deadline
from app.threads.models import Thread
from app.threads.schemas import UrgencyRequest
from app.threads.services import _as_mapping, readable_thread


def mark_urgency(thread_id: int, account: Account | None, data: object) -> Thread:
    """Set whether a thread is urgent; nothing is recorded when it already is as asked."""
    thread, _role = readable_thread(thread_id, account)
    require_official(account, thread.commune)
    urgent = load(UrgencyRequest, _as_mapping(data)).urgent
    if urgent == thread.urgent:
        return thread
    thread.urgent = urgent
    if thread.first_response_at is None:
        # Still unanswered: the clock the officials answer to changes with it.
        if urgent:
            thread.respond_by = (utcnow() + URGENT_RESPONSE).astimezone(UTC)
        else:
            start = as_utc(thread.created_at)
            deadline = respond_deadline(thread, calendar_for(thread.commune), start)
            thread.respond_by = deadline.astimezone(UTC)
    record(
        account,
        "thread.urgent",
        commune_id=thread.commune_id,
        target_type="thread",
        target_id=thread.id,
        detail={"from": not urgent, "to": urgent},
    )
    return thread
