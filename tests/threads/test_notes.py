"""What officials add to a thread: internal notes (never shown to residents), assignment,
re-categorising."""

from __future__ import annotations

import json

from app.audit.models import AuditEvent
from app.threads.models import ThreadNote
from tests.threads.helpers import API, ask, call, count, me


def test_internal_notes_are_never_shown_to_residents(world):
    official, resident = world["official_a"], world["resident_a"]
    secret = "Ghi chú nội bộ: đã gọi tổ trưởng"
    thread = ask(resident, "xa-a", "Rác chưa được thu")
    created = call(official, "POST", f"{API}/threads/{thread}/notes", json={"body": secret})
    assert created.status_code == 201
    assert created.get_json()["body"] == secret
    official.post(f"/w/t/{thread}/notes", data={"body": secret + " (trang)"})
    assert count(ThreadNote) == 2

    notes = call(official, "GET", f"{API}/threads/{thread}/notes").get_json()["items"]
    assert [note["body"] for note in notes] == [secret, secret + " (trang)"]
    assert secret in official.get(f"/w/t/{thread}").text

    # The author and other residents: not in any JSON or page they can read.
    for client in (resident, world["resident_a2"]):
        for path in (
            f"{API}/threads/{thread}",
            f"{API}/communes/xa-a/threads",
            f"{API}/communes/xa-a/similar?q=rác",
            f"/t/{thread}",
            "/c/xa-a",
        ):
            response = call(client, "GET", path)
            assert response.status_code == 200, path
            assert "nội bộ" not in response.text, path
        assert call(client, "GET", f"{API}/threads/{thread}/notes").status_code == 403
        assert (
            call(client, "POST", f"{API}/threads/{thread}/notes", json={"body": "x"}).status_code
            == 403
        )
        assert client.get(f"/w/t/{thread}").status_code == 403
    assert count(ThreadNote) == 2


def test_assign_to_an_official_of_the_same_commune_only(world, make_staff):
    official = world["official_a"]
    colleague = make_staff("colleague.a@example.vn", communes=(world["a"],))
    thread = ask(world["resident_a"], "xa-a", "Cần người phụ trách")
    assignees = call(official, "GET", f"{API}/communes/xa-a/assignees").get_json()["items"]
    assert {person["display_name"] for person in assignees} == {"official.a", "colleague.a"}

    assigned = call(
        official, "PUT", f"{API}/threads/{thread}/assignee", json={"assignee": colleague.id}
    )
    assert assigned.status_code == 200
    assert assigned.get_json()["assignee"] == {"id": colleague.id, "display_name": "colleague.a"}
    official_b = me(world["official_b"])
    resident = me(world["resident_a2"])
    for bad in (official_b, resident, 0, "x", True, 2**40):
        response = call(official, "PUT", f"{API}/threads/{thread}/assignee", json={"assignee": bad})
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["field"] == "assignee"
    cleared = call(official, "PUT", f"{API}/threads/{thread}/assignee", json={"assignee": None})
    assert cleared.get_json()["assignee"] is None
    assert count(AuditEvent, AuditEvent.action == "thread.assign") == 2

    # The page's form: the select sends the id as text.
    assert (
        official.post(f"/w/t/{thread}/assignee", data={"assignee": str(colleague.id)}).status_code
        == 303
    )
    items = call(official, "GET", f"{API}/inbox").get_json()["items"]
    assert items[0]["assignee"]["id"] == colleague.id
    assert (
        official.post(f"/w/t/{thread}/assignee", data={"assignee": str(official_b)}).status_code
        == 422
    )


def test_recategorise(world):
    official = world["official_a"]
    listed = call(world["resident_a"], "GET", f"{API}/communes/xa-a/categories").get_json()["items"]
    roads, flooding = listed[0]["id"], listed[1]["id"]
    thread = ask(world["resident_a"], "xa-a", "Ngập đường", category=roads)
    moved = call(official, "PUT", f"{API}/threads/{thread}/category", json={"category": flooding})
    assert moved.status_code == 200
    assert moved.get_json()["category"]["code"] == "flooding"
    detail = call(world["resident_a"], "GET", f"{API}/threads/{thread}").get_json()
    assert detail["category"]["code"] == "flooding"
    b_category = call(world["resident_b"], "GET", f"{API}/communes/xa-b/categories").get_json()[
        "items"
    ][0]["id"]
    wrong = call(official, "PUT", f"{API}/threads/{thread}/category", json={"category": b_category})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "category"
    assert official.post(f"/w/t/{thread}/category", data={"category": ""}).status_code == 303
    assert (
        call(world["resident_a"], "GET", f"{API}/threads/{thread}").get_json()["category"] is None
    )
    event = call(official, "GET", f"{API}/audit").get_json()["items"][0]
    assert event["action"] == "thread.category"
    assert json.dumps(event["detail"]) == json.dumps({"from": flooding, "to": None})
