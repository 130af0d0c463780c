"""Canned replies: through the API, on the workspace pages, and one click into a reply."""

from __future__ import annotations

from app.workspace.models import CannedReply
from tests.threads.helpers import API, ask, call, count

CANNED = {"title": "Giấy khai sinh", "body": "Anh/chị mang CCCD đến bộ phận một cửa."}


def test_canned_replies_through_the_api(world):
    official = world["official_a"]
    created = call(official, "POST", f"{API}/communes/xa-a/canned-replies", json=CANNED)
    assert created.status_code == 201
    canned_id = created.get_json()["id"]
    listed = call(official, "GET", f"{API}/communes/xa-a/canned-replies").get_json()["items"]
    assert [(item["id"], item["title"]) for item in listed] == [(canned_id, "Giấy khai sinh")]

    edited = call(
        official, "PATCH", f"{API}/canned-replies/{canned_id}", json={"body": "Mang CCCD bản gốc."}
    )
    assert edited.status_code == 200
    assert edited.get_json()["body"] == "Mang CCCD bản gốc."
    assert edited.get_json()["title"] == "Giấy khai sinh"
    assert call(official, "PATCH", f"{API}/canned-replies/{canned_id}", json={}).status_code == 422
    too_long = call(
        official, "PATCH", f"{API}/canned-replies/{canned_id}", json={"title": "x" * 81}
    )
    assert too_long.status_code == 422 and too_long.get_json()["error"]["field"] == "title"

    # Each commune has its own: B's official neither sees nor touches A's.
    assert call(world["official_b"], "GET", f"{API}/communes/xa-b/canned-replies").get_json() == {
        "items": []
    }
    assert (
        call(world["official_b"], "DELETE", f"{API}/canned-replies/{canned_id}").status_code == 404
    )
    assert (
        call(world["resident_a"], "DELETE", f"{API}/canned-replies/{canned_id}").status_code == 403
    )

    assert call(official, "DELETE", f"{API}/canned-replies/{canned_id}").status_code == 204
    assert count(CannedReply) == 0
    assert call(official, "DELETE", f"{API}/canned-replies/{canned_id}").status_code == 404


def test_canned_replies_on_the_pages_and_one_click_insert(world):
    official = world["official_a"]
    created = official.post("/w/xa-a/canned", data=CANNED)
    assert created.status_code == 303
    canned_id = call(official, "GET", f"{API}/communes/xa-a/canned-replies").get_json()["items"][0][
        "id"
    ]
    page = official.get("/w/xa-a/canned")
    assert "Giấy khai sinh" in page.text

    assert (
        official.post(
            f"/w/canned/{canned_id}", data={"title": "Khai sinh", "body": "Mới."}
        ).status_code
        == 303
    )
    assert "Khai sinh" in official.get("/w/xa-a/canned").text
    invalid = official.post("/w/xa-a/canned", data={"title": "", "body": "x"})
    assert invalid.status_code == 422 and 'role="alert"' in invalid.text

    thread = ask(world["resident_a"], "xa-a", "Làm giấy khai sinh cần gì?")
    thread_page = official.get(f"/w/t/{thread}")
    link = f"/w/t/{thread}?canned={canned_id}#reply-form"
    assert link in thread_page.text
    inserted = official.get(f"/w/t/{thread}?canned={canned_id}")
    assert (
        '<textarea id="reply-body" name="body" rows="4" maxlength="4000" data-required>'
        "Mới.</textarea>" in inserted.text
    )

    sent = official.post(f"/w/t/{thread}/replies", data={"body": "Mới."})
    assert sent.status_code == 303
    detail = call(world["resident_a"], "GET", f"{API}/threads/{thread}").get_json()
    assert detail["replies"][0]["body"] == "Mới."
    assert detail["replies"][0]["author"]["role"] == "official"

    assert official.post(f"/w/canned/{canned_id}/delete").status_code == 303
    assert count(CannedReply) == 0
