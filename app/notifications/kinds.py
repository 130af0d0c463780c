"""Which member switch governs each kind of notification: the one place that says so (the
kinds are the outbox's, ``app/push/models.py``; the switches are the member's, kept by
``app/membership/preferences.py``)."""

from __future__ import annotations

from sqlalchemy.orm import InstrumentedAttribute

from app.membership.preferences import switch_column
from app.push.models import (
    KIND_ANNOUNCEMENT,
    KIND_ANSWER,
    KIND_DIGEST,
    KIND_DISCUSSION,
    KIND_DUPLICATE,
    KIND_ESCALATION,
    KIND_NEW_THREAD,
    KIND_OVERDUE,
)

# Each kind of message is switched on or off by one of the member's switches.
SWITCH_OF_KIND = {
    KIND_ANSWER: "answers",
    KIND_DISCUSSION: "discussion",
    KIND_ANNOUNCEMENT: "announcements",
    KIND_NEW_THREAD: "new_threads",
    # Kinds without a switch of their own follow the nearest one: a duplicate is news of
    # one's own thread (an answer).
    KIND_DUPLICATE: "answers",
    # Officials' work: the switch of new threads (their inbox).
    KIND_OVERDUE: "new_threads",
    KIND_DIGEST: "new_threads",
    # Admins' pushes are written for them directly (no member switch); were one expanded
    # through a commune, its officials' switch.
    KIND_ESCALATION: "new_threads",
}


def wants(kind: str) -> InstrumentedAttribute[bool]:
    """The Membership column that says whether a member wants messages of this kind."""
    return switch_column(SWITCH_OF_KIND[kind])
