"""A resident's whole loop in a real browser: scan, join, ask with a photo, read the answer;
the same with JavaScript off; the language switch."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from tests.browser.conftest import (
    SLUG,
    Site,
    controlled,
    join,
    photo_bytes,
    screenshot,
    skip_reason,
    until,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

OFFLINE_PAGE_IN_ENGLISH = (
    "caches.match('/offline').then(r => r.text()).then(t => t.includes('<html lang=\"en\">'))"
)
PHOTO = {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}


def open_ask_form(page) -> None:
    page.evaluate("document.querySelector('details.ask').open = true")


# Playwright cannot read multipart bodies that carry a Blob, so the page reports the photo it
# puts into the upload (FormData "photo") to the test.
WATCH_UPLOADS = """
const append = FormData.prototype.append;
FormData.prototype.append = function (name, value, ...rest) {
  if (name === "photo" && value instanceof Blob) {
    const reader = new FileReader();
    reader.onload = () => window.uploadedPhoto(reader.result);
    reader.readAsDataURL(value);
  }
  return append.call(this, name, value, ...rest);
};
"""


def watch_uploads(context) -> list[Image.Image]:
    seen: list[Image.Image] = []
    context.expose_function(
        "uploadedPhoto",
        lambda url: seen.append(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))),
    )
    context.add_init_script(WATCH_UPLOADS)
    return seen


def test_scan_join_ask_with_photo_and_read_the_answer(phone, site: Site) -> None:
    context = phone()
    uploads = watch_uploads(context)
    page = context.new_page()
    # Scan: the join page names the commune and has one button.
    page.goto(site.join_url)
    assert "Xã A Lưới" in page.inner_text("h1")
    assert page.locator("main button").count() == 1
    screenshot(page, "join")
    # One tap: joined, and in the group.
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"/c/{SLUG}\?joined=1$"))
    assert page.locator("main > p.notice[role=status]").is_visible()
    # Installable: the manifest, read with the member's cookie, starts in their group.
    manifest = context.new_cdp_session(page).send("Page.getAppManifest")
    assert not manifest["errors"]
    assert manifest["manifest"]["startUrl"] == f"{site.url}/c/{SLUG}"

    # Ask, with a camera-sized photo: it leaves the phone at most 1600 px, without EXIF.
    open_ask_form(page)
    page.check("input[name=kind][value=report]")
    page.fill("#body", "Ống cống ở hẻm 5 bị vỡ, nước tràn ra đường.")
    page.fill("#title", "Vỡ ống cống hẻm 5")
    page.fill("#address", "Hẻm 5, ấp Bình An")
    page.set_input_files("#photo", PHOTO)
    page.click("details.ask button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    [image] = uploads
    assert image.format == "JPEG" and image.size == (1600, 1067)
    assert not image.getexif()
    thread_id = int(page.url.split("?", 1)[0].rsplit("/", 1)[1])
    photo = page.locator("img.photo")
    photo.scroll_into_view_if_needed()
    assert page.evaluate("document.querySelector('img.photo').decode().then(() => true)")
    # The page shows the small derivative (at most 30 KB, not ~250 KB); a tap opens the full one.
    assert photo.evaluate("img => img.naturalWidth") == 480
    small_bytes = page.evaluate(
        "fetch(document.querySelector('img.photo').src).then(r => r.arrayBuffer())"
        ".then(b => b.byteLength)"
    )
    assert small_bytes <= 30 * 1024
    page.click("a.photo-link")
    page.wait_for_url(re.compile(r"/photos/[^/]+\.jpg$"))
    assert page.evaluate("document.images[0].naturalWidth") == 1600
    page.go_back()  # to the page the question landed on, "?asked=1" included
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    assert "Hẻm 5, ấp Bình An" in page.inner_text("article")

    # An official answers and moves it on (from their own phone: the JSON API).
    official = site.official()
    answer = "Đã tiếp nhận, đội công trình sẽ sửa trong tuần này."
    replied = official.post(
        f"{site.url}/api/v1/threads/{thread_id}/replies", json={"body": answer}, timeout=10
    )
    assert replied.status_code == 201
    moved = official.patch(
        f"{site.url}/api/v1/threads/{thread_id}",
        json={"status": "in_progress", "note": "Đội công trình đã nhận việc."},
        timeout=10,
    )
    assert moved.status_code == 200

    # The resident sees the answer, marked as the official's, and the status timeline.
    page.goto(f"/t/{thread_id}")
    official_reply = page.locator("article.reply.official")
    assert answer in official_reply.inner_text()
    assert official_reply.locator(".badge.official").is_visible()
    assert page.locator("#history .timeline .status-in_progress").is_visible()
    assert "Đội công trình đã nhận việc." in page.inner_text("#history")
    screenshot(page, "thread")

    # The feed lists it with its status badge and a count of what the resident can read
    # there: the official's answer and the status note.
    page.goto(f"/c/{SLUG}")
    item = page.locator("ul.threads > li", has_text="Vỡ ống cống hẻm 5")
    assert item.locator(".status-in_progress").is_visible()
    assert item.locator(".count").inner_text().startswith("2 ")


def test_without_javascript_join_ask_and_reply_still_work(phone, site: Site) -> None:
    context = phone(java_script_enabled=False)
    page = join(context, site, "Bác Năm")
    page.click("details.ask summary")  # <details> opens without JavaScript
    page.fill("#body", "Khi nào có lịch tiêm chủng cho trẻ?")
    page.set_input_files("#photo", {**PHOTO, "buffer": photo_bytes(800, 600)})
    page.click("details.ask button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    assert "Khi nào có lịch tiêm chủng cho trẻ?" in page.inner_text("article")
    assert page.locator("img.photo").count() == 1
    page.fill("#reply-body", "Cho tôi hỏi thêm: ở trạm y tế xã phải không?")
    page.click("#replies button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+#replies$"))
    assert "ở trạm y tế xã phải không?" in page.inner_text("#replies")


def test_language_switch_keeps_the_page(phone, site: Site) -> None:
    context = phone()
    page = join(context, site)
    controlled(page)
    assert page.get_attribute("html", "lang") == "vi"
    page.click("header nav a[hreflang=en]")
    page.wait_for_url(re.compile(rf"/c/{SLUG}(\?joined=1)?$"))
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1").startswith("Feedback group of")
    # The offline page kept by the service worker follows the language.
    until(page, OFFLINE_PAGE_IN_ENGLISH)
    page.goto(f"/c/{SLUG}/settings")
    page.click("header nav a[hreflang=vi]")
    page.wait_for_url(re.compile(rf"/c/{SLUG}/settings$"))
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("header nav a[hreflang=en]").is_visible()
