"""Saying what is happening (issue 17): "Đang gửi…" with aria-busy while a question goes over a
slow network, then the new thread says it is sent and what happens next, and offers
notifications at that moment."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Site, controlled, join, photo_bytes, skip_reason

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

# A slow network for what the page posts (3G: an upload takes seconds).
SLOW_POSTS = """
(() => {
  const real = self.fetch.bind(self);
  self.fetch = (url, options) =>
    options && options.method === "POST"
      ? new Promise((ok) => setTimeout(ok, 1500)).then(() => real(url, options))
      : real(url, options);
})();
"""
BUSY = """() => {
  const f = document.querySelector("details.ask form");
  return [f.getAttribute("aria-busy"), f.querySelector("[type=submit]").textContent,
          f.querySelector("[type=submit]").disabled];
}"""


def test_sending_then_sent_with_what_happens_next_and_the_offer(phone, site: Site) -> None:
    context = phone()
    context.add_init_script(SLOW_POSTS)
    page = join(context, site)
    controlled(page)
    page.click("#push-later")  # "not now" on joining: the offer comes back after asking
    page.evaluate("document.querySelector('details.ask').open = true")
    page.fill("#body", "Rác ở chợ ấp 1 ba ngày chưa thu gom")
    photo = {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1200, 900)}
    page.set_input_files("#photo", photo)
    page.click("details.ask button[type=submit]")
    assert page.evaluate(BUSY) == ["true", "Đang gửi…", True]

    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    notice = page.locator("main > p.notice[role=status]")
    assert notice.inner_text().startswith("Đã gửi. Cán bộ xã sẽ đọc và trả lời")
    assert page.locator("#notify").is_visible() and page.locator("#push-on").is_visible()

    # Opened again later (or by anyone else): no "sent", no offer.
    page.goto(page.url.split("?", 1)[0])
    assert page.locator("main > p.notice").count() == 0
    assert page.locator("#notify").count() == 0


def test_a_reply_says_sending_too(phone, site: Site) -> None:
    context = phone()
    context.add_init_script(SLOW_POSTS)
    page = join(context, site)
    controlled(page)
    thread = page.request.post(
        f"{site.url}/api/v1/communes/xa-a/threads",
        data={"kind": "question", "body": "Hỏi về lịch họp"},
        headers={"Origin": site.url},
    ).json()
    page.goto(f"/t/{thread['id']}")
    page.fill("#reply-body", "Xin cảm ơn.")
    page.click("#replies button[type=submit]")
    form = page.locator("#replies form")
    assert form.get_attribute("aria-busy") == "true"
    assert form.locator("[type=submit]").inner_text() == "Đang gửi…"
    page.wait_for_load_state()
    page.locator("#replies article.reply", has_text="Xin cảm ơn.").wait_for()
