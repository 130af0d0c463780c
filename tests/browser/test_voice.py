"""Residents who do not type (issue 16), on a 360 px phone: "Nghe" reads answers and
announcements aloud when the phone has a voice in the page's language; larger text (A+ or
Settings) is kept on the phone and never makes a page wider than the phone."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    OFFICIAL,
    PASSWORD,
    PHONE,
    SLUG,
    Site,
    controlled,
    join,
    screenshot,
    skip_reason,
    until,
)
from tests.browser.test_accessibility import AXE, auditor, axe
from tests.threads.audio import encode

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
        # The first frame may come after the load event on a busy machine: wait for it.
        page.wait_for_function("window.firstFrame !== undefined")
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


# --- "Nói": recording with chromium's fake microphone (a steady tone) ------------------------
MIC_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",  # the tests play the notes from a script
]


@pytest.fixture(scope="module")
def mic_browser(chromium):
    """A second chromium whose microphone is a fake device that always says yes."""
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *MIC_ARGS]
    )
    yield browser
    browser.close()


@pytest.fixture
def mic_phone(mic_browser, site: Site):
    """A fresh 360 px phone with a microphone (as `phone`, script errors fail the test)."""
    contexts = []
    troubles: list[str] = []

    def open_phone(**options: object):
        context = mic_browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="vi-VN",
            base_url=site.url,
            permissions=["microphone"],
            **options,
        )
        context.set_default_timeout(10_000)
        context.on("weberror", lambda error: troubles.append(f"{error.page}: {error.error}"))
        context.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and troubles.append(message.text)
            ),
        )
        contexts.append(context)
        return context

    yield open_phone
    for context in contexts:
        context.close()
    assert troubles == []


def record(page, form: str, seconds: float = 2.0) -> None:
    """Tap "Nói", speak for a while, tap "Dừng": the replay is there."""
    speak = page.locator(f"{form} [data-voice-start]")
    speak.click()
    page.locator(f"{form} [data-voice-timer]").wait_for()
    assert page.inner_text(f"{form} [data-voice-start]") == "Dừng"
    page.wait_for_timeout(seconds * 1000)
    speak.click()
    page.locator(f"{form} [data-voice-review] audio").wait_for()


def recorded(page, form: str) -> dict:
    """What the form's voice input holds, and what the replay knows of it."""
    return page.evaluate(
        """async (form) => {
          const box = document.querySelector(form + " [data-voice]");
          const file = box.querySelector("input[name=voice]").files[0];
          const audio = box.querySelector("audio");
          if (audio.readyState < 1) await new Promise((ok) => audio.onloadedmetadata = ok);
          return {name: file.name, type: file.type, size: file.size, src: audio.src.slice(0, 5)};
        }""",
        form,
    )


ASK = "details.ask form"


def test_record_replay_cancel_and_record_again(mic_phone, site: Site) -> None:
    page = join(mic_phone(), site, "Bà Sáu")
    page.evaluate("document.querySelector('details.ask').open = true")
    # Without a tap nothing of the recorder is fetched; the file input gives way to "Nói".
    assert page.locator(f"{ASK} input[name=voice]").is_hidden()
    assert page.evaluate("!!self.CFRecorder") is False
    assert page.locator(f"{ASK} [data-voice-start]").bounding_box()["height"] >= 44

    record(page, ASK)
    first = recorded(page, ASK)
    assert first["type"] in ("audio/webm", "audio/ogg", "audio/mp4") and first["size"] > 1000
    assert first["src"] == "blob:"
    assert "Đã ghi xong: 0:0" in page.inner_text(f"{ASK} [data-voice-state]")
    # A voice alone is a whole question: the text is no longer required.
    assert page.evaluate("document.querySelector('#body').required") is False

    # Delete it: the text is needed again, and "Nói" is back.
    page.click(f"{ASK} [data-voice-remove]")
    assert page.evaluate("document.querySelector('#body').required") is True
    assert page.evaluate(f"document.querySelector('{ASK} input[name=voice]').files.length") == 0
    assert page.locator(f"{ASK} [data-voice-start]").is_visible()

    # Cancel while recording: nothing kept.
    page.click(f"{ASK} [data-voice-start]")
    page.locator(f"{ASK} [data-voice-cancel]").wait_for()
    page.wait_for_timeout(500)
    page.click(f"{ASK} [data-voice-cancel]")
    # The recorder stops asynchronously: wait for what it says (a busy phone takes a moment).
    page.wait_for_function(
        "(sel) => document.querySelector(sel).textContent === 'Đã hủy ghi âm.'",
        arg=f"{ASK} [data-voice-state]",
    )
    assert page.evaluate(f"document.querySelector('{ASK} input[name=voice]').files.length") == 0

    # Hold to speak: letting go stops. Then "Ghi lại" records afresh.
    box = page.locator(f"{ASK} [data-voice-start]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.locator(f"{ASK} [data-voice-timer]").wait_for()
    page.wait_for_timeout(1500)
    page.mouse.up()
    page.locator(f"{ASK} [data-voice-review] audio").wait_for()
    page.click(f"{ASK} [data-voice-again]")
    page.locator(f"{ASK} [data-voice-timer]").wait_for()
    page.wait_for_timeout(1000)
    page.click(f"{ASK} [data-voice-start]")
    page.locator(f"{ASK} [data-voice-review] audio").wait_for()
    assert recorded(page, ASK)["size"] > 1000


def test_microphone_refused_says_so(mic_phone, site: Site) -> None:
    context = mic_phone()
    context.add_init_script(
        "if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('no', 'NotAllowedError'))"
    )
    page = join(context, site)
    page.evaluate("document.querySelector('details.ask').open = true")
    page.click(f"{ASK} [data-voice-start]")
    state = page.locator(f"{ASK} [data-voice-state]")
    state.wait_for()
    until(page, f"document.querySelector('{ASK} [data-voice-state]').textContent.length > 0")
    assert "cho phép micrô" in state.inner_text()
    assert page.locator(f"{ASK} [data-voice-timer]").is_hidden()


def heard(page, selector: str) -> float:
    """Play a voice note's <audio> a moment; how far it got (seconds)."""
    return page.evaluate(
        """async (selector) => {
          const audio = document.querySelector(selector);
          if (audio.readyState < 1) await new Promise((ok, fail) => {
            audio.onloadedmetadata = ok;
            audio.onerror = () => fail(new Error("cannot load " + audio.src));
          });
          await audio.play();
          await new Promise((ok) => setTimeout(ok, 700));
          audio.pause();
          return audio.currentTime;
        }""",
        selector,
    )


def test_a_voice_question_sent_seen_played_and_answered_by_voice(mic_phone, site: Site) -> None:
    resident = join(mic_phone(bypass_csp=True), site, "Cụ Chín")
    resident.evaluate("document.querySelector('details.ask').open = true")
    resident.click(f"{ASK} [data-voice-start]")
    resident.locator(f"{ASK} [data-voice-timer]").wait_for()
    assert axe(resident) == []  # while recording
    resident.wait_for_timeout(2000)
    resident.click(f"{ASK} [data-voice-start]")
    resident.locator(f"{ASK} [data-voice-review] audio").wait_for()
    assert heard(resident, f"{ASK} [data-voice-review] audio") > 0  # the replay before sending
    assert axe(resident) == []  # the replay
    assert wide(resident) <= 0
    screenshot(resident, "voice-recorded")
    resident.click("header [data-text-size]")  # larger text: still within the phone
    assert wide(resident) <= 0
    assert axe(resident) == []
    resident.click("header [data-text-size]")

    # Sent with no text at all: a voice alone is a whole question.
    resident.click(f"{ASK} button[type=submit]")
    resident.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    thread_id = int(re.search(r"/t/(\d+)", resident.url).group(1))
    assert resident.locator("article audio.voice-note").count() == 1
    assert heard(resident, "article audio.voice-note") > 0
    assert axe(resident) == []

    # The feed: a voice question, with its length.
    resident.goto(f"/c/{SLUG}")
    item = resident.locator(f"ul.threads li:has(a[href='/t/{thread_id}'])")
    assert item.locator("a").first.inner_text() == "Câu hỏi bằng giọng nói"
    assert re.fullmatch(r"ghi âm 0:\d\d", item.locator(".badge.voice").inner_text())
    assert wide(resident) <= 0
    assert axe(resident) == []

    # The official hears it in the inbox and the thread, and answers by voice.
    staff = mic_phone(bypass_csp=True).new_page()
    staff.goto(f"/login?next=/w/t/{thread_id}")
    staff.fill("#email", OFFICIAL)
    staff.fill("#password", PASSWORD)
    staff.click("main button[type=submit]")
    staff.wait_for_url(re.compile(rf"/w/t/{thread_id}$"))
    assert heard(staff, "article#top audio.voice-note") > 0
    record(staff, "#reply-form")
    staff.click("#reply-form button[type=submit]")
    staff.locator("article.reply.official audio.voice-note").wait_for()
    assert axe(staff) == []
    staff.goto(f"/w/{SLUG}")
    assert staff.locator(f"li[data-thread='{thread_id}'] audio.voice-note").count() == 1
    assert staff.locator(f"li[data-thread='{thread_id}'] .badge.voice").count() == 1
    assert heard(staff, f"li[data-thread='{thread_id}'] audio.voice-note") > 0
    assert axe(staff) == []

    # The resident hears the answer (no "Nghe": there is no text to read).
    resident.goto(f"/t/{thread_id}")
    assert heard(resident, "article.reply.official audio.voice-note") > 0
    assert resident.locator("article.reply.official button.listen").count() == 0


def test_a_voice_question_recorded_offline_goes_on_reconnection(mic_phone, site: Site) -> None:
    context = mic_phone()
    page = join(context, site, "Chú Tư")
    controlled(page)
    page.evaluate("document.querySelector('details.ask').open = true")
    page.focus("#body")  # starting on the form fetches the recorder (kept by the worker)
    until(page, "!!self.CFRecorder")

    context.set_offline(True)
    record(page, ASK)
    page.click(f"{ASK} button[type=submit]")
    pending = page.locator("#outbox li.pending")
    pending.wait_for()
    assert "Bản ghi âm" in pending.inner_text()
    kept = page.evaluate(
        "self.CFOutbox.all()"
        ".then(items => items.map(i => [i.fields.body, i.voice && i.voice.size]))"
    )
    assert len(kept) == 1 and kept[0][0] == "" and kept[0][1] > 1000
    # The form is empty again, ready for the next one.
    assert page.locator(f"{ASK} [data-voice-start]").is_visible()
    assert page.locator(f"{ASK} [data-voice-review]").is_hidden()

    context.set_offline(False)
    sent = page.locator("#outbox li:not(.pending) a")
    sent.wait_for(timeout=40_000)
    page.goto(sent.get_attribute("href"))
    assert heard(page, "article audio.voice-note") > 0


def test_the_recorder_opens_offline_though_never_loaded(mic_phone, site: Site) -> None:
    """The service worker keeps the recorder with the app shell: a resident who goes offline
    before ever starting on the form can still tap "Nói"."""
    context = mic_phone()
    page = join(context, site, "Cô Ba")
    controlled(page)
    until(
        page,
        "caches.open('cf-shell').then(c => c.keys())"
        ".then(keys => keys.some(k => k.url.endsWith('/recorder.js')))",
    )
    assert page.evaluate("!!self.CFRecorder") is False
    context.set_offline(True)
    page.evaluate("document.querySelector('details.ask').open = true")
    record(page, ASK)
    assert recorded(page, ASK)["size"] > 1000


def test_without_scripts_a_recording_alone_is_a_question(phone, site: Site, tmp_path) -> None:
    """A phone without scripts has the plain file input (its own sound recorder): a recording
    with no text is sent as a whole question, and no text and no recording is refused by the
    server in words, not by a dead form."""
    resident = join(phone(java_script_enabled=False), site, "Ông Bảy")
    if resident.locator("details.ask").get_attribute("open") is None:
        resident.click("details.ask summary")
    resident.check("input[name=kind][value=question]")
    resident.click("details.ask button[type=submit]")
    resident.wait_for_selector("#ask-error:not([hidden])")
    assert "bắt buộc" in resident.inner_text("#ask-error")

    note = tmp_path / "ghi-am.ogg"
    note.write_bytes(encode(tmp_path, "tone.ogg", seconds=2))
    if resident.locator("details.ask").get_attribute("open") is None:
        resident.click("details.ask summary")
    resident.check("input[name=kind][value=question]")
    resident.set_input_files("#ask-voice", str(note))
    resident.click("details.ask button[type=submit]")
    resident.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    thread_id = int(resident.url.split("?", 1)[0].rsplit("/", 1)[1])
    thread = resident.request.get(f"{site.url}/api/v1/threads/{thread_id}").json()
    assert thread["voice"]["mime"] == "audio/ogg" and thread["body"] == ""
    assert resident.locator("audio").count() >= 1
