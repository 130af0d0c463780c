"""An announcement's expiry at the edge of the calendar is refused (422), never a 500."""

from __future__ import annotations

import pytest

API = "/api/v1"


@pytest.mark.parametrize(
    "expires_at",
    [
        # Valid ISO 8601, but past datetime.max (or before datetime.min) once turned into UTC.
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_an_expiry_beyond_the_calendar_in_utc_is_invalid(world, expires_at):
    official = world["official_a"]
    posted = official.post(
        f"{API}/communes/xa-a/announcements",
        json={"title": "Họp", "body": "Họp dân", "expires_at": expires_at},
    )
    assert posted.status_code == 422, posted.get_json()
    assert posted.get_json()["error"]["field"] == "expires_at"

    announcement = official.post(
        f"{API}/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân"}
    ).get_json()
    edited = official.patch(
        f"{API}/announcements/{announcement['id']}", json={"expires_at": expires_at}
    )
    assert edited.status_code == 422, edited.get_json()
    assert edited.get_json()["error"]["field"] == "expires_at"
