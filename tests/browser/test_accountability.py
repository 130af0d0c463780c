"""Issue 14 in a real browser, on a 360 px phone in Vietnamese: a resident marks a report urgent
(the form says what urgent means), the official sees it first with its time left and resolves
it, the resident answers "Đã được khắc phục chưa?" (not fixed: reopened; then fixed, rated 4),
a neighbour says "me too" and takes it back; axe finds nothing on each of these states. The
same without JavaScript, where every one of these forms is a plain form."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import OFFICIAL, PASSWORD, SLUG, Site, join, screenshot, skip_reason
from tests.browser.test_accessibility import AXE, auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]

URGENT = "Khẩn cấp: đang nguy hiểm"
ASKS_FIXED = "Đã được khắc phục chưa?"
REOPENED = "Người dân mở lại: vấn đề chưa được khắc phục."


BACKGROUND = "b => getComputedStyle(b).backgroundColor"


def sign_in(page, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("#email", OFFICIAL)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def thread_json(page, site: Site, thread_id: int) -> dict:
    answer = page.request.get(f"{site.url}/api/v1/threads/{thread_id}")
    assert answer.status == 200, answer.text()
    return answer.json()


def ask_urgent(page, body: str, title: str) -> int:
    """Open the ask form, write a report and mark it urgent; return once it is checked (the
    caller sends it)."""
    if page.locator("details.ask").get_attribute("open") is None:
        page.click("details.ask summary")
    page.check("input[name=kind][value=report]")
    page.fill("#body", body)
    page.fill("#title", title)
    page.get_by_label(URGENT).check()


def sent_thread_id(page) -> int:
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    return int(page.url.split("?", 1)[0].rsplit("/", 1)[1])


def resolve(site: Site, thread_id: int, note: str) -> None:
    moved = site.official().patch(
        f"{site.url}/api/v1/threads/{thread_id}",
        json={"status": "resolved", "note": note},
        timeout=10,
    )
    assert moved.status_code == 200, moved.text


def history_statuses(page) -> list[str]:
    return page.locator("#history .timeline > li .status").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('status-')))"
    )


def test_urgent_report_is_first_then_confirmed_rated_and_supported(phone, site: Site) -> None:
    problems: dict[str, list] = {}

    def check(name: str, page) -> None:
        found = axe(page)
        if found:
            problems[name] = found

    resident = join(auditor(phone), site, "Chị Hai")
    # An ordinary report first, so that "first in the inbox" means something.
    older = resident.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "report", "body": "Đèn đường hẻm 9 không sáng."},
        headers={"Origin": site.url},
    ).json()

    # The ask form says in plain words what urgent means, next to the box.
    ask_urgent(
        resident, "Nước lũ đang tràn qua cầu tràn ấp 3, xe máy không qua được.", "Lũ qua cầu ấp 3"
    )
    box = resident.get_by_label(URGENT)
    hint = resident.locator("#urgent-hint")
    assert hint.is_visible()
    assert "ngập lụt" in hint.inner_text() and "một giờ" in hint.inner_text()
    assert box.evaluate("b => b.getAttribute('aria-describedby')") == "urgent-hint"
    assert box.evaluate("b => b.getBoundingClientRect().height") >= 22  # the label is 44 px
    check("ask form (urgent checked)", resident)
    resident.click("details.ask button[type=submit]")
    thread_id = sent_thread_id(resident)
    sent = thread_json(resident, site, thread_id)
    assert sent["urgent"] is True and sent["respond_by"]

    # The official: first in the inbox, marked urgent, with less than an hour left.
    staff = auditor(phone).new_page()
    sign_in(staff, f"/w/{SLUG}")
    first = staff.locator("ul.inbox > li[data-thread]").first
    assert first.get_attribute("data-thread") == str(thread_id)
    assert "khẩn cấp" in first.inner_text().lower()
    assert "còn dưới 1 giờ" in first.inner_text()
    older_item = staff.locator(f"ul.inbox > li[data-thread='{older['id']}']")
    assert re.search(r"còn \d+ (giờ|ngày)", older_item.inner_text())
    check("inbox (time left)", staff)

    # A neighbour: "me too", and taken back.
    neighbour = join(auditor(phone), site, "Anh Ba")
    neighbour.goto(f"/t/{thread_id}")
    button = neighbour.get_by_role("button", name="Tôi cũng gặp")
    assert button.get_attribute("aria-pressed") == "false"
    unpressed = button.evaluate(BACKGROUND)
    check("thread (me too, not pressed)", neighbour)
    button.click()
    neighbour.wait_for_load_state()
    button = neighbour.get_by_role("button", name="Tôi cũng gặp")
    assert button.get_attribute("aria-pressed") == "true"
    assert button.evaluate(BACKGROUND) != unpressed  # pressed looks pressed, not only to AT
    assert "1 người cũng gặp vấn đề này" in neighbour.inner_text("main")
    assert thread_json(neighbour, site, thread_id)["supported"] is True
    check("thread (me too, pressed)", neighbour)
    button.click()
    neighbour.wait_for_load_state()
    assert neighbour.get_by_role("button", name="Tôi cũng gặp").get_attribute("aria-pressed") == (
        "false"
    )
    assert thread_json(neighbour, site, thread_id)["supporters"] == 0

    # The official resolves it from the thread page.
    staff.goto(f"/w/t/{thread_id}")
    staff.select_option("#status", "resolved")
    staff.fill("#note", "Đã đặt biển cấm và cử người trực ở cầu.")
    staff.click("#history button[type=submit]")
    staff.wait_for_url(re.compile(rf"/w/t/{thread_id}#history$"))

    # The resident is asked, and answers "not yet": the thread is back in progress.
    resident.goto(f"/t/{thread_id}")
    form = resident.locator("#confirmation")
    assert form.is_visible()
    assert ASKS_FIXED in form.inner_text()
    # Each answer is a whole 44 px line to tap; the rating says which end is best.
    for answer in ("Rồi, đã được khắc phục", "Chưa, vẫn còn"):
        label = form.locator("label", has_text=answer)
        assert label.evaluate("l => l.getBoundingClientRect().height") >= 44
    ratings = form.locator("#rating option").all_inner_texts()
    assert ratings[1] == "5 – rất hài lòng" and ratings[2] == "4 – hài lòng"
    # The author has no "me too" of their own, and "0 people" would tell them nothing.
    assert "0 người" not in resident.inner_text("main")
    check("confirmation form", resident)
    resident.get_by_label("Chưa, vẫn còn").check()
    resident.click("#confirmation button[type=submit]")
    resident.wait_for_url(re.compile(rf"/t/{thread_id}"))
    assert history_statuses(resident)[-2:] == ["status-resolved", "status-in_progress"]
    assert REOPENED in resident.locator("#history .timeline > li").last.inner_text()
    assert resident.locator("#confirmation").count() == 0
    assert thread_json(resident, site, thread_id)["status"] == "in_progress"
    check("thread (reopened by the resident)", resident)

    # Resolved again: this time fixed, rated 4, with a word of thanks.
    resolve(site, thread_id, "Nước đã rút, cầu đã thông xe.")
    resident.goto(f"/t/{thread_id}")
    resident.get_by_label("Rồi, đã được khắc phục").check()
    resident.select_option("#rating", "4")
    resident.fill("#confirmation-comment", "Cảm ơn cán bộ xã đã xử lý nhanh.")
    resident.click("#confirmation button[type=submit]")
    resident.wait_for_url(re.compile(rf"/t/{thread_id}"))
    thanks = resident.locator("p.notice[role=status]", has_text="Cảm ơn")
    assert thanks.is_visible()
    assert resident.locator("#confirmation").count() == 0
    answered = thread_json(resident, site, thread_id)
    assert answered["status"] == "resolved"
    assert answered["confirmation"]["fixed"] is True and answered["confirmation"]["rating"] == 4
    check("thread (thanks)", resident)

    assert problems == {}


def test_without_javascript_urgent_confirmation_and_me_too_are_plain_forms(
    phone, site: Site
) -> None:
    resident = join(phone(java_script_enabled=False), site, "Bác Tư")
    ask_urgent(
        resident, "Cây đổ chắn ngang đường liên ấp, dây điện bị kéo xuống.", "Cây đổ đè dây điện"
    )
    resident.click("details.ask button[type=submit]")
    thread_id = sent_thread_id(resident)
    assert thread_json(resident, site, thread_id)["urgent"] is True

    neighbour = join(phone(java_script_enabled=False), site, "Cô Sáu")
    neighbour.goto(f"/t/{thread_id}")
    neighbour.get_by_role("button", name="Tôi cũng gặp").click()
    neighbour.wait_for_url(re.compile(rf"/t/{thread_id}"))
    assert neighbour.get_by_role("button", name="Tôi cũng gặp").get_attribute("aria-pressed") == (
        "true"
    )
    neighbour.get_by_role("button", name="Tôi cũng gặp").click()
    neighbour.wait_for_url(re.compile(rf"/t/{thread_id}"))
    assert thread_json(neighbour, site, thread_id)["supported"] is False

    resolve(site, thread_id, "Điện lực đã cắt điện và dọn cây.")
    resident.goto(f"/t/{thread_id}")
    resident.get_by_label("Chưa, vẫn còn").check()
    resident.click("#confirmation button[type=submit]")
    resident.wait_for_url(re.compile(rf"/t/{thread_id}"))
    assert history_statuses(resident)[-1] == "status-in_progress"

    resolve(site, thread_id, "Đã dựng lại cột và kéo lại dây.")
    resident.goto(f"/t/{thread_id}")
    resident.get_by_label("Rồi, đã được khắc phục").check()
    resident.select_option("#rating", "4")
    resident.fill("#confirmation-comment", "Đã có điện lại, cảm ơn.")
    resident.click("#confirmation button[type=submit]")
    resident.wait_for_url(re.compile(rf"/t/{thread_id}"))
    assert resident.locator("p.notice[role=status]", has_text="Cảm ơn").is_visible()
    confirmation = thread_json(resident, site, thread_id)["confirmation"]
    assert confirmation["fixed"] is True and confirmation["rating"] == 4


DESKTOP = {"width": 1100, "height": 1150}


def backdate(site: Site, thread_id: int, days: int) -> None:
    """Make a thread asked ``days`` ago with its deadlines long past, as the server's own clock
    would have it then (the server's SQLite database, written directly)."""
    with sqlite3.connect(site.instance / "feedback.sqlite3", timeout=10) as connection:
        for column in ("created_at", "respond_by", "resolve_by"):
            [(value,)] = connection.execute(
                f"SELECT {column} FROM thread WHERE id = ?", (thread_id,)
            ).fetchall()
            moment = datetime.fromisoformat(value) - timedelta(days=days)
            connection.execute(
                f"UPDATE thread SET {column} = ? WHERE id = ?",
                (moment.isoformat(sep=" "), thread_id),
            )


def inbox_ids(page) -> list[int]:
    return [
        int(value)
        for value in page.locator("ul.inbox > li[data-thread]").evaluate_all(
            "items => items.map(li => li.dataset.thread)"
        )
    ]


def label_of(page, thread_id: int) -> str:
    return page.locator(f"ul.inbox > li[data-thread='{thread_id}'] p.meta").inner_text()


def test_the_morning_inbox_on_a_desktop_time_left_overdue_and_orders(phone, site: Site) -> None:
    resident = join(phone(), site, "Ông Bảy")

    def ask(kind: str, body: str, title: str, urgent: bool = False) -> int:
        sent = resident.request.post(
            f"{site.url}/api/v1/communes/{SLUG}/threads",
            data={"kind": kind, "body": body, "title": title, "urgent": urgent},
            headers={"Origin": site.url},
        )
        assert sent.status == 201, sent.text()
        return sent.json()["id"]

    late = ask("report", "Cống thoát nước đầu ấp 1 bị tắc, nước đọng cả tuần.", "Cống ấp 1 bị tắc")
    backdate(site, late, days=9)
    fresh = ask("question", "Xin hỏi khi nào có lịch tiêm chủng cho trẻ?", "Lịch tiêm chủng")
    sunk = ask(
        "report", "Đường ấp 4 bị sụt lún một đoạn dài, xe đi rất nguy hiểm.", "Đường ấp 4 sụt lún"
    )
    for name in ("Chị Mười", "Anh Út"):
        neighbour = join(phone(), site, name)
        supported = neighbour.request.post(
            f"{site.url}/api/v1/threads/{sunk}/support", headers={"Origin": site.url}
        )
        assert supported.status in (200, 201), supported.text()

    fire = ask("report", "Dây điện chập cháy ở chợ Bình An.", "Chập điện ở chợ", urgent=True)
    staff = auditor(phone, viewport=DESKTOP, is_mobile=False, has_touch=False).new_page()
    sign_in(staff, f"/w/{SLUG}")
    if staff.locator("#push-later").is_visible():
        staff.click("#push-later")  # "not now": the morning's list, not the offer
    assert inbox_ids(staff)[0] == fire
    assert "khẩn cấp" in label_of(staff, fire) and "còn dưới 1 giờ" in label_of(staff, fire)
    assert "quá hạn" in label_of(staff, late)
    assert re.search(r"còn (\d+ giờ|\d+ ngày|dưới 1 giờ)", label_of(staff, fresh))
    assert re.search(r"còn (\d+ giờ|\d+ ngày|dưới 1 giờ)", label_of(staff, sunk))
    assert "2 người cũng gặp" in label_of(staff, sunk)  # what "most affected first" sorts by
    assert (
        staff.locator(f"li[data-thread='{late}'] .badge.overdue").evaluate(
            "b => getComputedStyle(b).fontWeight"
        )
        == "700"
    )  # overdue stands out from the grey badges
    assert axe(staff) == []

    # Only the overdue ones.
    staff.get_by_label("Chỉ việc quá hạn").check()
    staff.get_by_role("button", name="Xem").click()
    staff.wait_for_url(re.compile(r"overdue=1"))
    shown = inbox_ids(staff)
    assert late in shown and {fresh, sunk, fire}.isdisjoint(shown)
    assert all("quá hạn" in label_of(staff, thread_id) for thread_id in shown)
    assert axe(staff) == []

    # Nearest deadline first: the overdue ones at the top.
    staff.get_by_label("Chỉ việc quá hạn").uncheck()
    staff.select_option("select[name=sort]", "deadline")
    staff.get_by_role("button", name="Xem").click()
    staff.wait_for_url(re.compile(r"sort=deadline"))
    shown = inbox_ids(staff)
    overdue = ["quá hạn" in label_of(staff, thread_id) for thread_id in shown]
    assert overdue == sorted(overdue, reverse=True)  # every overdue one before the others
    assert shown.index(late) < shown.index(fire) < shown.index(fresh) < shown.index(sunk)
    assert staff.input_value("select[name=sort]") == "deadline"

    # Most affected first.
    staff.select_option("select[name=sort]", "supporters")
    staff.get_by_role("button", name="Xem").click()
    staff.wait_for_url(re.compile(r"sort=supporters"))
    shown = inbox_ids(staff)
    assert shown.index(sunk) < shown.index(late) and shown.index(sunk) < shown.index(fresh)

    # The morning's inbox, in its usual order (docs/screenshots/inbox-deadlines.png).
    staff.goto(f"/w/{SLUG}")
    screenshot(staff, "inbox-deadlines")


def test_an_answer_sent_twice_is_refused_beside_the_question_with_the_focus(
    phone, site: Site
) -> None:
    context = phone()
    first = join(context, site, "Dì Chín")
    sent = first.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "report", "body": "Bãi rác tự phát cạnh trường tiểu học ấp 2."},
        headers={"Origin": site.url},
    )
    thread_id = sent.json()["id"]
    resolve(site, thread_id, "Đội vệ sinh đã dọn sạch.")
    first.goto(f"/t/{thread_id}")
    second = context.new_page()  # the same question open in another tab
    second.goto(f"/t/{thread_id}")
    first.get_by_label("Rồi, đã được khắc phục").check()
    first.click("#confirmation button[type=submit]")
    first.wait_for_url(re.compile(rf"/t/{thread_id}"))

    second.get_by_label("Chưa, vẫn còn").check()
    second.click("#confirmation button[type=submit]")
    second.wait_for_load_state()
    error = second.locator("#follow-up [role=alert]")
    assert error.inner_text() == "Bạn đã trả lời cho lần giải quyết này rồi."
    assert second.evaluate("document.activeElement.id") == "confirmation-error"
    # Not next to the reply form, whose field is not the one at fault.
    assert second.locator("#reply-error").is_hidden()
    assert second.get_attribute("#reply-body", "aria-invalid") is None
    assert thread_json(second, site, thread_id)["status"] == "resolved"
