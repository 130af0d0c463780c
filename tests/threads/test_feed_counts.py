"""The feed's count under each thread is what the viewer sees answered there: the replies they
may read and the officials' status notes."""

from __future__ import annotations

import re

from tests.threads.helpers import API, ask, call, reply


def _count_on_feed(client, thread: int) -> str:
    page = client.get("/c/xa-a").text
    item = page.split(f'href="/t/{thread}"', 1)[1]
    return re.search(r'<span class="count">([^<]*)</span>', item).group(1)


def _move(official, thread: int, status: str, note: str | None) -> None:
    moved = call(
        official, "PATCH", f"{API}/threads/{thread}", json={"status": status, "note": note}
    )
    assert moved.status_code == 200, moved.get_json()


def test_a_status_note_to_the_resident_counts(world):
    official, resident = world["official_a"], world["resident_a"]
    thread = ask(resident, "xa-a", "Cây đổ chắn đường ấp 2")
    assert _count_on_feed(resident, thread) == "0 phản hồi"
    _move(official, thread, "acknowledged", None)  # no note: nothing new to read
    assert _count_on_feed(resident, thread) == "0 phản hồi"
    _move(official, thread, "resolved", "Đội công trình đã dọn xong.")
    assert _count_on_feed(resident, thread) == "1 phản hồi"
    assert _count_on_feed(world["resident_a2"], thread) == "1 phản hồi"
    reply(official, thread, "Cảm ơn chị đã báo.")
    assert _count_on_feed(resident, thread) == "2 phản hồi"


def test_a_hidden_reply_counts_only_for_those_who_see_it(world):
    official, author, neighbour = world["official_a"], world["resident_a"], world["resident_a2"]
    thread = ask(author, "xa-a", "Xin hỏi giờ làm việc của xã")
    rude = reply(neighbour, thread, "Hỏi làm gì, tự đi mà xem.")
    hidden = official.post(f"/w/r/{rude}/hide", data={"reason": "Lời lẽ thiếu tôn trọng."})
    assert hidden.status_code == 303
    assert _count_on_feed(author, thread) == "0 phản hồi"
    assert _count_on_feed(neighbour, thread) == "1 phản hồi"  # its author still sees it
    assert _count_on_feed(official, thread) == "1 phản hồi"
