"""Saying what is happening (issue 17): "Đang gửi…" with aria-busy while a question goes over a
slow network, then the new thread says it is sent and what happens next, and offers
notifications at that moment."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import AXE, Site, controlled, join, photo_bytes, skip_reason
from tests.browser.test_accessibility import axe  # the same rules (44 px tap targets)

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


def test_a_photo_is_previewed_before_sending_and_can_be_removed(phone, site: Site) -> None:
    context = phone()
    page = join(context, site)
    controlled(page)
    page.evaluate("document.querySelector('details.ask').open = true")
    preview = page.locator("details.ask .preview")
    assert preview.count() == 1 and preview.is_hidden()
    photo = {"name": "IMG_0003.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(800, 600)}
    page.set_input_files("#photo", photo)
    image = preview.locator("img")
    assert preview.is_visible() and image.get_attribute("src").startswith("blob:")
    assert image.get_attribute("alt") == "Ảnh bạn đã chọn"
    assert page.evaluate("document.querySelector('.preview img').decode().then(() => true)")
    assert image.evaluate("img => img.naturalWidth") == 800
    box = image.bounding_box()
    assert box["width"] == 96 and box["height"] == 96  # a thumbnail, not the whole photo

    preview.get_by_role("button", name="Bỏ ảnh này").click()
    assert preview.is_hidden()
    assert page.evaluate("document.querySelector('#photo').files.length") == 0
    assert page.evaluate("document.activeElement.id") == "photo"

    # Chosen again and sent: the thread has it.
    page.set_input_files("#photo", photo)
    page.fill("#body", "Cột điện nghiêng ở ấp 6")
    page.click("details.ask button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    assert page.locator("img.photo").count() == 1


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)")
def test_axe_finds_nothing_wrong_while_sending_and_with_a_preview(phone, site: Site) -> None:
    context = phone(bypass_csp=True)
    context.add_init_script(SLOW_POSTS)
    page = join(context, site)
    controlled(page)
    page.click("#push-later")
    page.evaluate("document.querySelector('details.ask').open = true")
    photo = {"name": "IMG_0004.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(640, 480)}
    page.set_input_files("#photo", photo)
    page.fill("#body", "a" * 4100)
    page.click("details.ask button[type=submit]")  # refused here: over the limit
    assert axe(page) == []
    page.fill("#body", "Hỏi về lịch cắt điện")
    page.click("details.ask button[type=submit]")
    assert axe(page) == []  # "Đang gửi…"
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    assert axe(page) == []  # "Đã gửi" and the offer


def test_a_personal_category_chooses_officials_only_until_the_person_chooses(
    phone, site: Site
) -> None:
    official = site.official()
    items = official.get(f"{site.url}/api/v1/communes/xa-a/categories", timeout=10).json()
    procedures = next(item for item in items["items"] if item["code"] == "procedures")
    official.patch(
        f"{site.url}/api/v1/categories/{procedures['id']}", json={"personal": True}, timeout=10
    )
    page = join(phone(), site)
    page.evaluate("document.querySelector('details.ask').open = true")
    page.select_option("#category", str(procedures["id"]))
    assert page.is_checked("input[name=visibility][value=officials]")
    page.select_option("#category", "")
    assert page.is_checked("input[name=visibility][value=public]")
    page.select_option("#category", str(procedures["id"]))
    page.check("input[name=visibility][value=public]")  # chosen by the person: kept
    page.select_option("#category", "")
    page.select_option("#category", str(procedures["id"]))
    assert page.is_checked("input[name=visibility][value=public]")
