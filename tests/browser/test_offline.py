"""Offline: the app shell and the pages seen before open with no network; what is written
offline waits on the phone ("waiting to send") and goes out by itself when the network is back."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SLUG, Site, controlled, join, screenshot, skip_reason, until

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

OUTBOX = "self.CFOutbox.all().then(items => items.map(i => [i.fields.body, !!i.photo, i.error]))"


def test_offline_pages_and_the_outbox(phone, site: Site) -> None:
    context = phone()
    page = join(context, site, "Anh Ba")
    controlled(page)
    feed_url = page.url

    context.set_offline(True)
    # The feed seen just after joining opens from the phone.
    page.goto(f"/c/{SLUG}")
    assert "Xã A Lưới" in page.inner_text("h1")
    assert page.locator("details.ask form").count() == 1
    # A page never opened: the offline page, with the shell's own styles.
    page.goto("/c/xa-a/settings")
    assert page.locator("#sw-words").count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('.bar')).display") == "flex"

    # A question written offline is kept and shown as waiting to send.
    page.goto(feed_url)
    page.evaluate("document.querySelector('details.ask').open = true")
    page.check("input[name=kind][value=report]")
    body = "Đèn đường ở ấp 3 bị hỏng ba hôm nay (gửi khi mất mạng)."
    page.fill("#body", body)
    page.click("details.ask button[type=submit]")
    pending = page.locator("#outbox li.pending")
    pending.wait_for()
    assert body in pending.inner_text()
    assert pending.locator(".waiting").is_visible()
    assert pending.locator(".waiting").inner_text() in ("waiting to send", "đang chờ gửi")
    assert page.locator("details.ask [data-saved]").is_visible()
    assert page.input_value("#body") == ""
    assert page.evaluate(OUTBOX) == [[body, False, None]]
    pending.scroll_into_view_if_needed()
    screenshot(page, "waiting-to-send")

    # Still there after the page is opened again, still offline.
    page.reload()
    page.locator("#outbox li.pending").wait_for()
    assert body in page.inner_text("#outbox")

    # The network is back: it is sent by itself, once.
    context.set_offline(False)
    sent = page.locator("#outbox li:not(.pending) a")
    sent.wait_for()
    thread_path = sent.get_attribute("href")
    assert re.fullmatch(r"/t/\d+", thread_path)
    until(page, "self.CFOutbox.all().then(items => items.length === 0)")

    official = site.official()
    items = official.get(f"{site.url}/api/v1/communes/{SLUG}/threads?limit=100", timeout=10).json()
    mine = [item for item in items["items"] if item["body"] == body]
    assert len(mine) == 1
    assert mine[0]["kind"] == "report" and mine[0]["author"]["display_name"] == "Anh Ba"
    assert f"/t/{mine[0]['id']}" == thread_path


def test_a_refused_message_goes_back_into_the_form(phone, site: Site) -> None:
    """The server refuses (here: too long for a title); nothing typed is lost."""
    context = phone()
    page = join(context, site)
    controlled(page)
    page.evaluate("document.querySelector('details.ask').open = true")
    page.fill("#body", "Nội dung hợp lệ")
    # The browser's maxlength stops a person typing this; a stale or altered form might not.
    page.evaluate("document.querySelector('#title').removeAttribute('maxlength')")
    page.fill("#title", "x" * 201)
    page.click("details.ask button[type=submit]")
    error = page.locator("details.ask [data-error]")
    error.wait_for()
    assert error.get_attribute("role") == "alert" and error.inner_text()
    assert page.input_value("#body") == "Nội dung hợp lệ"
    assert page.evaluate(OUTBOX) == []
    assert re.search(rf"/c/{SLUG}", page.url)
