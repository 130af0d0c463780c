"""Each member's notification switches: which kinds of message they want from a commune (one
column of their Membership per switch; which kinds each switch governs is said by
``app/notifications/kinds.py``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import ValidationError
from app.membership.models import Membership

# A switch's name (in forms and JSON) and the column of the member's Membership it sets.
SWITCH_COLUMNS = {
    "answers": "notify_answers",
    "discussion": "notify_discussion",
    "announcements": "notify_announcements",
    "new_threads": "notify_new_threads",
}
PREFERENCE_NAMES = tuple(SWITCH_COLUMNS)


def switch_column(name: str) -> InstrumentedAttribute[bool]:
    """The Membership column of the switch called ``name``, for a query."""
    return getattr(Membership, SWITCH_COLUMNS[name])


def preferences(membership: Membership) -> dict[str, bool]:
    """``{answers, discussion, announcements, new_threads}``: on or off."""
    return {name: getattr(membership, column) for name, column in SWITCH_COLUMNS.items()}


def update_preferences(membership: Membership, data: dict[str, Any]) -> dict[str, bool]:
    """Turn kinds of notification on or off; unknown names are refused."""
    for name, value in data.items():
        if name not in SWITCH_COLUMNS:
            raise ValidationError(
                _("Unknown notification kind: %(name)s.", name=name[:40]), field=name[:40]
            )
        if not isinstance(value, bool):
            raise ValidationError(_("%(name)s must be true or false.", name=name), field=name)
        setattr(membership, SWITCH_COLUMNS[name], value)
    return preferences(membership)
