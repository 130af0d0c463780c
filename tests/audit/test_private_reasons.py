"""The audit log says that something happened to a post to everyone who reads the log, and
what was said about it only to those who may read the post."""

from __future__ import annotations

from tests.threads.helpers import API, call

SECRET = "Nhà số 5 của chị Lan"


def _thread(client, visibility: str) -> int:
    response = call(
        client,
        "POST",
        f"{API}/communes/xa-a/threads",
        json={"kind": "report", "body": "Tranh chấp đất", "visibility": visibility},
    )
    return response.get_json()["id"]


def _act_on(world, thread_id: int) -> None:
    official = world["official_a"]
    declined = call(
        official,
        "PATCH",
        f"{API}/threads/{thread_id}",
        json={"status": "declined", "note": SECRET},
    )
    assert declined.status_code == 200, declined.get_json()
    hidden = call(official, "POST", f"{API}/threads/{thread_id}/hide", json={"reason": SECRET})
    assert hidden.status_code == 200, hidden.get_json()


def _log(client) -> list[dict]:
    response = call(client, "GET", f"{API}/audit?commune=xa-a")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_an_admin_sees_that_a_private_thread_was_acted_on_not_what_was_said(world):
    private = _thread(world["resident_a"], "officials")
    _act_on(world, private)
    events = [e for e in _log(world["admin"]) if e["target"] == {"type": "thread", "id": private}]
    assert {e["action"] for e in events} == {"thread.status", "thread.hide"}
    assert all(e["reason"] is None and e["reason_withheld"] for e in events)
    assert SECRET not in str(events)


def test_the_communes_officials_read_every_reason(world):
    private = _thread(world["resident_a"], "officials")
    _act_on(world, private)
    reasons = {e["reason"] for e in _log(world["official_a"]) if e["target"]["id"] == private}
    assert reasons == {SECRET}
    page = world["official_a"].get("/w/xa-a/audit").get_data(as_text=True)
    assert SECRET in page


def test_a_hidden_public_thread_keeps_its_reason_from_admins(world):
    public = _thread(world["resident_a"], "public")
    flagged = call(
        world["resident_a2"], "POST", f"{API}/threads/{public}/flag", json={"reason": "Sai"}
    )
    assert flagged.status_code == 201
    before = {e["action"]: e for e in _log(world["admin"])}
    assert before["thread.flag"]["reason"] == "Sai"  # a public post: anyone there may read it
    _act_on(world, public)
    after = [e for e in _log(world["admin"]) if e["target"]["id"] == public]
    assert SECRET not in str(after) and "Sai" not in str(after)  # hidden now


def test_an_admin_serving_the_commune_reads_every_reason(app, world, make_staff, login):
    from app.membership.services import add_official

    serving = make_staff("tinh@example.vn", admin=True)
    add_official(serving, world["a"])
    from app.extensions import db

    db.session.commit()
    private = _thread(world["resident_a"], "officials")
    _act_on(world, private)
    reasons = {e["reason"] for e in _log(login("tinh@example.vn")) if e["target"]["id"] == private}
    assert reasons == {SECRET}
