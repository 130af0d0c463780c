"""Ids and choices in the workspace's links and hidden fields, read by the pages' form models
(app/workspace/schemas.py): what is not an id is no id, never a server error (issue 13)."""

from __future__ import annotations

import pytest

from tests.threads.helpers import API, ask

NOT_IDS = ["٣", "３", "--5", "-5", "0", "+5", "5" * 30, "x"]


@pytest.mark.parametrize("canned", NOT_IDS)
def test_a_canned_link_that_is_no_id_shows_the_thread_without_it(world, canned):
    thread = ask(world["resident_a"], "xa-a", "Làm giấy khai sinh cần gì?")
    page = world["official_a"].get(f"/w/t/{thread}", query_string={"canned": canned})
    assert page.status_code == 200
    assert (
        '<textarea id="reply-body" name="body" rows="4" maxlength="4000" data-required></textarea>'
        in (page.text)
    )


@pytest.mark.parametrize("back", NOT_IDS)
def test_a_back_field_that_is_no_id_goes_to_the_moderation_page(world, back):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Hỏi")
    author = world["resident_a"].get(f"{API}/me").get_json()["id"]
    blocked = official.post(
        f"/w/xa-a/members/{author}/block", data={"reason": "Spam", "back": back}
    )
    assert blocked.status_code == 303
    assert blocked.headers["Location"].endswith("/w/xa-a/moderation"), thread


@pytest.mark.parametrize("archived", ["2", "yes", "", "١"])
def test_an_archived_choice_other_than_0_or_1_changes_nothing(world, archived):
    official = world["official_a"]
    light = official.post(f"{API}/communes/xa-a/categories", json={"name": "Đèn đường"})
    category = light.get_json()["id"]
    page = official.post(f"/w/xa-a/categories/{category}", data={"archived": archived})
    assert page.status_code == 303
    listed = official.get(f"{API}/communes/xa-a/categories").get_json()["items"]
    assert "Đèn đường" in [item["name"] for item in listed]
