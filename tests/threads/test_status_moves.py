"""Status controls: the current status is chosen, only sensible moves are offered, and the
server refuses the others (from the workspace, the residents' page and the API alike)."""

from __future__ import annotations

import re

import pytest

from app.threads.services import STATUS_MOVES
from tests.threads.helpers import API, ask, call

OPTION = re.compile(r'<option value="([a-z_]+)"( selected)?>')


def _status_menu(page: str) -> tuple[str | None, list[str]]:
    """The chosen value and every value of the page's status menu."""
    # (the menu may be marked invalid, when the refusal shown is about it)
    menu = re.split(r'<select id="status" name="status"[^>]*>', page, maxsplit=1)[1]
    menu = menu.split("</select>", 1)[0]
    options = OPTION.findall(menu)
    chosen = [value for value, selected in options if selected]
    assert len(chosen) == 1, menu
    return chosen[0], [value for value, _selected in options]


def _move(official, thread: int, status: str, note: str = "Ghi chú.") -> int:
    moved = call(
        official, "PATCH", f"{API}/threads/{thread}", json={"status": status, "note": note}
    )
    return moved.status_code


@pytest.mark.parametrize("page", ["/w/t/{n}", "/t/{n}"])
def test_a_resolved_thread_defaults_to_resolved_and_can_only_be_reopened(world, page):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Đèn đường hẻm 3 đã sáng chưa?")
    assert _move(official, thread, "resolved") == 200
    chosen, offered = _status_menu(official.get(page.format(n=thread)).text)
    assert chosen == "resolved"
    assert offered == ["resolved", "in_progress"]
    assert "đã giải quyết (hiện tại)" in official.get(page.format(n=thread)).text


@pytest.mark.parametrize("page", ["/w/t/{n}", "/t/{n}"])
def test_a_new_thread_offers_every_move_forward(world, page):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Khi nào thu gom rác?")
    chosen, offered = _status_menu(official.get(page.format(n=thread)).text)
    assert chosen == "new"
    assert offered == ["new", *STATUS_MOVES["new"]]


def test_sending_the_menu_untouched_changes_nothing(world):
    official, resident = world["official_a"], world["resident_a"]
    thread = ask(resident, "xa-a", "Cống trước nhà bị tắc")
    assert _move(official, thread, "resolved") == 200
    for path in (f"/w/t/{thread}/status", f"/t/{thread}/status"):
        kept = official.post(path, data={"status": "resolved", "note": ""})
        assert kept.status_code == 422 and 'role="alert"' in kept.text
        assert _status_menu(kept.text)[0] == "resolved"
    shown = call(resident, "GET", f"{API}/threads/{thread}").get_json()
    assert shown["status"] == "resolved" and len(shown["history"]) == 1


def test_the_server_refuses_moves_that_make_no_sense(world):
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Xin hỏi lịch tiêm chủng")
    assert _move(official, thread, "in_progress") == 200
    assert _move(official, thread, "acknowledged") == 422  # no step back to "received"
    assert _move(official, thread, "new") == 422  # nothing goes back to "new"
    assert _move(official, thread, "resolved") == 200
    refused = call(official, "PATCH", f"{API}/threads/{thread}", json={"status": "declined"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "invalid"
    assert "đã giải quyết" in refused.get_json()["error"]["message"]
    form = official.post(f"/w/t/{thread}/status", data={"status": "new", "note": ""})
    assert form.status_code == 422
    assert _move(official, thread, "in_progress", "Mở lại: người dân báo còn hỏng.") == 200
    history = call(official, "GET", f"{API}/threads/{thread}").get_json()["history"]
    assert [(h["from_status"], h["status"]) for h in history] == [
        ("new", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "in_progress"),
    ]


def test_every_status_has_moves_and_none_leads_back_to_new():
    assert all(STATUS_MOVES[status] for status in STATUS_MOVES)
    assert all("new" not in moves for moves in STATUS_MOVES.values())
    assert all(status not in moves for status, moves in STATUS_MOVES.items())


def test_status_change_with_a_note_from_the_workspace(world):
    official, resident = world["official_a"], world["resident_a"]
    thread = ask(resident, "xa-a", "Cống bị tắc")
    refused = official.post(f"/w/t/{thread}/status", data={"status": "declined", "note": ""})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    moved = official.post(
        f"/w/t/{thread}/status", data={"status": "in_progress", "note": "Tuần sau sẽ nạo vét."}
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"/w/t/{thread}#history")
    history = call(resident, "GET", f"{API}/threads/{thread}").get_json()["history"]
    assert history[-1]["status"] == "in_progress"
    assert history[-1]["note"] == "Tuần sau sẽ nạo vét."
    assert "Tuần sau sẽ nạo vét." in resident.get(f"/t/{thread}").text
    events = call(official, "GET", f"{API}/audit?commune=xa-a").get_json()["items"]
    assert events[0]["action"] == "thread.status"
    assert events[0]["reason"] == "Tuần sau sẽ nạo vét."
