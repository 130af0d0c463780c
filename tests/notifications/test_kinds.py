"""Every kind of message the outbox may hold is governed by a switch a member can turn off."""

from __future__ import annotations

from app.membership.models import Membership
from app.membership.preferences import SWITCH_COLUMNS
from app.notifications.kinds import SWITCH_OF_KIND, wants
from app.push.models import KINDS


def test_every_kind_has_a_switch_and_every_switch_a_column():
    assert set(SWITCH_OF_KIND) == set(KINDS)
    assert set(SWITCH_OF_KIND.values()) == set(SWITCH_COLUMNS)
    for column in SWITCH_COLUMNS.values():
        assert column in Membership.__table__.c


def test_a_kind_is_wanted_by_its_switchs_column():
    assert wants("duplicate") is Membership.notify_answers
    assert wants("digest") is Membership.notify_new_threads
