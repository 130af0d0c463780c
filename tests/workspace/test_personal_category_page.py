"""The categories page marks a category personal (its new questions default to officials
only) when adding it, and turns that on and off on its row, as the JSON API does."""

from __future__ import annotations

API = "/api/v1"


def _personal(official, name: str) -> bool:
    listed = official.get(f"{API}/communes/xa-a/categories").get_json()["items"]
    return next(item["personal"] for item in listed if item["name"] == name)


def test_a_category_added_with_the_box_ticked_is_personal(world):
    official = world["official_a"]
    page = official.post("/w/xa-a/categories", data={"name": "Hộ tịch", "personal": "1"})
    assert page.status_code == 303
    assert _personal(official, "Hộ tịch") is True
    official.post("/w/xa-a/categories", data={"name": "Đèn đường"})
    assert _personal(official, "Đèn đường") is False


def test_the_row_turns_personal_on_and_off(world):
    official = world["official_a"]
    light = official.post(f"{API}/communes/xa-a/categories", json={"name": "Đèn đường"})
    row = f"/w/xa-a/categories/{light.get_json()['id']}"
    assert official.post(row, data={"personal": "1"}).status_code == 303
    assert _personal(official, "Đèn đường") is True
    page = official.get("/w/xa-a/categories")
    assert "Không phải việc riêng" in page.text
    assert official.post(row, data={"personal": "0"}).status_code == 303
    assert _personal(official, "Đèn đường") is False


def test_a_missing_name_is_said_with_the_box_kept(world):
    official = world["official_a"]
    page = official.post("/w/xa-a/categories", data={"name": "", "personal": "1"})
    assert page.status_code == 422
    assert 'name="personal" value="1" checked' in page.text
