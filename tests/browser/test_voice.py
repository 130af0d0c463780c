"""Residents who do not type (issue 16), on a 360 px phone: "Nghe" reads answers and
announcements aloud when the phone has a voice in the page's language; larger text (A+ or
Settings) is kept on the phone and never makes a page wider than the phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, SLUG, Site, join, skip_reason
from tests.browser.test_accessibility import AXE, auditor, axe

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

# The phone's speech synthesis, stubbed: the voices (given after a moment, as Chrome does, with
# "voiceschanged") and what was said. Chromium on a server has no voices of its own.
SPEECH = """(() => {
  const given = %s;
  let voices = [];
  window.spoken = [];
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
  speechSynthesis.getVoices = () => voices;
  speechSynthesis.speak = (u) => { window.spoken.push([u.text, u.lang]); window.speaking = u; };
  speechSynthesis.cancel = () => { window.speaking = null; };
  const ready = () => {
    voices = given;
    speechSynthesis.dispatchEvent(new Event("voiceschanged"));
  };
  setTimeout(ready, 300);
})()"""
VIETNAMESE = '[{name: "Linh", lang: "vi-VN", localService: true, default: true}]'
ENGLISH_ONLY = '[{name: "Sam", lang: "en-US", localService: true, default: true}]'


def answered_thread(page, site: Site) -> int:
    """A question of this resident with an official's answer, and an announcement."""
    asked = page.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "question", "body": "Chợ phiên họp vào ngày nào?"},
        headers={"Origin": site.url},
    ).json()
    official = site.official()
    answer = official.post(
        f"{site.url}/api/v1/threads/{asked['id']}/replies",
        json={"body": "Chợ phiên họp vào sáng Chủ nhật."},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    posted = official.post(
        f"{site.url}/api/v1/communes/{SLUG}/announcements",
        json={"title": "Lịch tiêm chủng", "body": "Thứ Năm tuần này tại trạm y tế xã."},
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    return asked["id"]


def listen_buttons(page) -> list[bool]:
    return page.locator("button.listen").evaluate_all("bs => bs.map(b => !b.hidden)")


def test_listen_button_reads_answers_and_announcements(phone, site: Site) -> None:
    context = phone()
    context.add_init_script(SPEECH % VIETNAMESE)
    page = join(context, site, "Bác Năm")
    thread_id = answered_thread(page, site)

    page.goto(f"/c/{SLUG}")
    listen = page.locator("#announcements-heading ~ article button.listen").first
    listen.wait_for()  # shown once the phone says it has a Vietnamese voice
    assert listen.inner_text() == "Nghe"
    listen.click()
    assert page.evaluate("window.spoken") == [
        ["Lịch tiêm chủng. Thứ Năm tuần này tại trạm y tế xã.", "vi-VN"]
    ]
    assert listen.inner_text() == "Dừng đọc"
    listen.click()  # pressed again: silence
    assert page.evaluate("window.speaking") is None
    assert listen.inner_text() == "Nghe"

    # The official's answer in the thread; the resident's own question has none.
    page.goto(f"/t/{thread_id}")
    answer = page.locator("article.reply.official button.listen")
    answer.wait_for()
    assert page.locator("article:not(.official) button.listen").count() == 0
    answer.click()
    assert page.evaluate("window.spoken") == [["Chợ phiên họp vào sáng Chủ nhật.", "vi-VN"]]
    # It ends by itself: the button is "Nghe" again.
    page.evaluate("window.speaking.onend()")
    assert answer.inner_text() == "Nghe"


def test_no_listen_button_without_a_voice_in_the_page_language(phone, site: Site) -> None:
    context = phone()
    context.add_init_script(SPEECH % ENGLISH_ONLY)
    page = join(context, site)
    answered_thread(page, site)
    page.goto(f"/c/{SLUG}")
    page.wait_for_timeout(600)  # after "voiceschanged"
    assert page.locator("button.listen").count() >= 1
    assert not any(listen_buttons(page))

    # The same page in English: the English voice reads it.
    page.click("header nav a[hreflang=en]")
    page.wait_for_url(f"**/c/{SLUG}")
    page.locator("button.listen").first.wait_for()
    assert page.locator("button.listen").first.inner_text() == "Listen"


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)")
def test_listen_button_passes_axe(phone, site: Site) -> None:
    context = auditor(phone)
    context.add_init_script(SPEECH % VIETNAMESE)
    page = join(context, site)
    thread_id = answered_thread(page, site)
    page.goto(f"/c/{SLUG}")
    page.locator("button.listen").first.wait_for()
    page.locator("button.listen").first.click()
    assert axe(page) == []
    page.goto(f"/t/{thread_id}")
    page.locator("button.listen").first.wait_for()
    assert axe(page) == []


def wide(page) -> int:
    """How much wider than the phone the page is (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_larger_text_kept_on_the_phone_and_no_page_wider_than_it(phone, site: Site) -> None:
    context = auditor(phone)
    page = join(context, site, "Ông Bảy Nguyễn Văn Thành")
    thread_id = answered_thread(page, site)
    body_size = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(body_size) == 16

    # "A+" in the bar: at once, and kept.
    a_plus = page.locator("header [data-text-size]")
    assert a_plus.get_attribute("aria-pressed") == "false"
    a_plus.click()
    assert a_plus.get_attribute("aria-pressed") == "true"
    assert page.evaluate(body_size) == 20
    assert axe(page) == []

    # Every resident page, opened afresh: large from the first paint (static/text.js, before
    # the styles), and never wider than the phone.
    context.add_init_script(
        "requestAnimationFrame(() => (window.firstFrame ="
        " document.documentElement.classList.contains('large-text')))"
    )
    pages = {
        "feed": f"/c/{SLUG}",
        "thread": f"/t/{thread_id}",
        "settings": f"/c/{SLUG}/settings",
        "how we answer": f"/c/{SLUG}/stats",
        "home": "/",
        "offline": "/offline",
        "join": site.join_url,
    }
    too_wide = {}
    for name, path in pages.items():
        page.goto(path)
        assert page.evaluate("window.firstFrame") is True, name  # before the first frame
        assert page.evaluate(body_size) == 20, name
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        if wide(page) > 0:
            too_wide[name] = wide(page)
    assert too_wide == {}

    # Settings: the same choice, back to normal.
    page.goto(f"/c/{SLUG}/settings")
    assert page.is_checked("[data-text-choice] input[value=large]")
    assert axe(page) == []
    page.check("[data-text-choice] input[value=normal]")
    assert page.evaluate(body_size) == 16
    assert page.get_attribute("header [data-text-size]", "aria-pressed") == "false"
    page.reload()
    assert page.evaluate(body_size) == 16
