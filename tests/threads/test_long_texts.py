"""A text over its limit is refused, never cut (issue 17): the plain forms answer 422 with the
refusal's words beside the field, keep every character typed, and have no maxlength (which
would cut in silence); the pages carry the limit and the words for app.js's live count."""

from __future__ import annotations

import html
import re

from app.threads.models import Reply, Thread
from tests.threads.helpers import ask, call, count

LONG = "Đường ngập. " * 500  # 6000 characters


def _textarea(page: str, field_id: str) -> str:
    return re.search(rf'<textarea id="{field_id}"[^>]*>', page).group(0)


def test_the_question_form_refuses_a_long_text_and_keeps_it(world):
    resident = world["resident_a"]
    page = call(resident, "GET", "/c/xa-a").get_data(as_text=True)
    field = _textarea(page, "body")
    assert "maxlength" not in field and 'data-max="4000"' in field
    assert 'data-of="{n}/4000 ký tự"' in page
    assert 'data-too-long="Nội dung phải có nhiều nhất 4000 ký tự."' in page

    answer = call(resident, "POST", "/c/xa-a/threads", data={"kind": "question", "body": LONG})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Nội dung phải có nhiều nhất 4000 ký tự." in text
    assert 'aria-invalid="true" aria-describedby="ask-error"' in _textarea(text, "body")
    assert LONG.strip() in html.unescape(text)  # nothing lost
    assert count(Thread) == 0


def test_the_reply_and_status_note_forms_refuse_a_long_text(world):
    thread = ask(world["resident_a"], "xa-a", "Khi nào có điện lại?")
    resident, official = world["resident_a2"], world["official_a"]
    page = call(resident, "GET", f"/t/{thread}").get_data(as_text=True)
    assert "maxlength" not in _textarea(page, "reply-body")
    answer = call(resident, "POST", f"/t/{thread}/replies", data={"body": LONG})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Nội dung phản hồi phải có nhiều nhất 4000 ký tự." in text
    assert 'aria-describedby="reply-error"' in _textarea(text, "reply-body")
    assert count(Reply) == 0

    page = call(official, "GET", f"/t/{thread}").get_data(as_text=True)
    assert "maxlength" not in _textarea(page, "note")
    moved = call(
        official, "POST", f"/t/{thread}/status", data={"status": "acknowledged", "note": LONG}
    )
    assert moved.status_code == 422
    assert 'aria-describedby="status-error"' in _textarea(moved.get_data(as_text=True), "note")
    assert count(Thread, Thread.status == "new") == 1


def test_after_asking_the_thread_says_it_is_sent_to_its_author_only(world):
    resident = world["resident_a"]
    answer = call(resident, "POST", "/c/xa-a/threads", data={"kind": "question", "body": "Hỏi"})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert re.search(r"/t/\d+\?asked=1$", location)
    sent = "Đã gửi. Cán bộ xã sẽ đọc và trả lời ngay trên trang này"
    page = call(resident, "GET", location).get_data(as_text=True)
    assert sent in page and 'id="notify"' in page  # and the offer of notifications
    assert sent not in call(world["resident_a2"], "GET", location).get_data(as_text=True)
    assert sent not in call(resident, "GET", location.split("?")[0]).get_data(as_text=True)
