"""Each member's notification switches: which kinds of message they want from a commune (one
column of their Membership per kind)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.errors import ValidationError
from app.membership.models import Membership
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

# Each kind of message is switched on or off by one column of the member's Membership.
PREFERENCE_COLUMNS = {
    KIND_ANSWER: "notify_answers",
    KIND_DISCUSSION: "notify_discussion",
    KIND_ANNOUNCEMENT: "notify_announcements",
    KIND_NEW_THREAD: "notify_new_threads",
    # Kinds without a switch of their own follow the nearest one: a duplicate is news of
    # one's own thread (an answer).
    KIND_DUPLICATE: "notify_answers",
    # Officials' work: the switch of new threads (their inbox).
    KIND_OVERDUE: "notify_new_threads",
    KIND_DIGEST: "notify_new_threads",
    # Admins' pushes are written for them directly (no member switch); were one expanded
    # through a commune, its officials' switch.
    KIND_ESCALATION: "notify_new_threads",
}
PREFERENCE_NAMES = {
    "answers": KIND_ANSWER,
    "discussion": KIND_DISCUSSION,
    "announcements": KIND_ANNOUNCEMENT,
    "new_threads": KIND_NEW_THREAD,
}


def preferences(membership: Membership) -> dict[str, bool]:
    """``{answers, discussion, announcements, new_threads}``: on or off."""
    return {
        name: getattr(membership, PREFERENCE_COLUMNS[kind])
        for name, kind in PREFERENCE_NAMES.items()
    }


def update_preferences(membership: Membership, data: dict[str, Any]) -> dict[str, bool]:
    """Turn kinds of notification on or off; unknown names are refused."""
    for name, value in data.items():
        if name not in PREFERENCE_NAMES:
            raise ValidationError(
                _("Unknown notification kind: %(name)s.", name=name[:40]), field=name[:40]
            )
        if not isinstance(value, bool):
            raise ValidationError(_("%(name)s must be true or false.", name=name), field=name)
        setattr(membership, PREFERENCE_COLUMNS[PREFERENCE_NAMES[name]], value)
    return preferences(membership)
