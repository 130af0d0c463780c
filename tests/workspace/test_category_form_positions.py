"""``POST /w/<slug>/categories/<id>`` with a position that is not a whole number from 0: the
page again with the message (422), never a server error (``--5`` once was a 500)."""

from __future__ import annotations

import pytest

API = "/api/v1"
BAD_POSITIONS = ["--5", "-5", "+5", " 5", "5.0", "٣", "1e3", "5" * 30, "0x1", "nan"]


@pytest.mark.parametrize("position", BAD_POSITIONS)
def test_a_position_that_is_not_a_whole_number_is_refused(world, position):
    official = world["official_a"]
    light = official.post(f"{API}/communes/xa-a/categories", json={"name": "Đèn đường"})
    assert light.status_code == 201
    page = official.post(
        f"/w/xa-a/categories/{light.get_json()['id']}", data={"position": position}
    )
    assert page.status_code == 422
    assert "position phải là số nguyên từ 0 trở lên." in page.text  # the message, not a 500
    listed = official.get(f"{API}/communes/xa-a/categories").get_json()["items"]
    assert [item["name"] for item in listed][-1] == "Đèn đường"  # not moved


def test_a_whole_number_moves_the_category(world):
    official = world["official_a"]
    light = official.post(f"{API}/communes/xa-a/categories", json={"name": "Đèn đường"})
    page = official.post(f"/w/xa-a/categories/{light.get_json()['id']}", data={"position": "0"})
    assert page.status_code == 303
    listed = official.get(f"{API}/communes/xa-a/categories").get_json()["items"]
    assert listed[0]["name"] == "Đèn đường"
