"""In-app browsers in chromium: the join page opened with Zalo's, Facebook's, Messenger's, ...
user agent says how to open it in Chrome or Safari, copies the link (with and without the
clipboard API), still lets the resident join, and the notification offer then explains why it
needs Chrome or Safari. A real browser sees none of it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import IPHONE_UA, SLUG, Site, join, skip_reason
from tests.browser.test_accessibility import auditor, axe
from tests.membership.test_in_app import BROWSERS, IN_APP

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

# The common ones in Vietnam, on both platforms (the server-side tests cover the rest).
APPS = (
    "Zalo on Android",
    "Zalo on iPhone",
    "Facebook on Android",
    "Facebook on iPhone",
    "Messenger on Android",
    "Messenger on iPhone",
    "Instagram on Android",
    "TikTok on Android",
    "TikTok on iPhone",
    "LINE on iPhone",
    "Snapchat on iPhone",
    "WeChat on Android",
)


@pytest.mark.parametrize("name", APPS)
def test_join_page_in_an_in_app_browser(phone, site: Site, name: str) -> None:
    user_agent, app, platform = IN_APP[name]
    page = auditor(phone, user_agent=user_agent).new_page()
    page.goto(site.join_url)
    help_box = page.locator("section.in-app")
    assert help_box.is_visible()
    assert f"bên trong {app}" in help_box.inner_text()
    token = site.join_url.rsplit("/", 1)[1]
    chrome = help_box.get_by_role("link", name="Mở bằng Chrome")
    if platform == "android":
        host = site.url.split("://", 1)[1]
        assert chrome.get_attribute("href") == (
            f"intent://{host}/j/{token}#Intent;scheme=http;package=com.android.chrome;end"
        )
    else:
        assert chrome.count() == 0
        assert "Mở bằng trình duyệt" in help_box.locator("ol").inner_text()
    assert help_box.get_by_role("button", name="Chép liên kết").is_visible()
    assert help_box.get_by_role("textbox").input_value() == site.join_url
    assert page.get_by_role("button", name="Vẫn tham gia tại đây").is_visible()
    assert axe(page) == []


def test_copy_the_link_then_join_in_zalo(phone, site: Site) -> None:
    context = phone(user_agent=IN_APP["Zalo on Android"][0])
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page = context.new_page()
    page.goto(site.join_url)
    page.get_by_role("button", name="Chép liên kết").click()
    status = page.locator("section.in-app [role=status]")
    status.filter(has_text="Đã chép").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == site.join_url

    # Joining there still works, and the offer of notifications says why they need Chrome.
    page.get_by_role("button", name="Vẫn tham gia tại đây").click()
    page.wait_for_url(lambda url: url.endswith(f"/c/{SLUG}?joined=1"))
    offer = page.locator("#notify")
    offer.wait_for()
    assert offer.locator("[data-step=in-app]").is_visible()
    assert offer.locator("[data-step=ask]").is_hidden()
    assert "Không thể nhận thông báo khi mở trong Zalo" in offer.inner_text()
    assert offer.get_by_role("link", name="Mở bằng Chrome").is_visible()

    # Settings say the same, instead of a button that cannot work.
    page.goto(f"/c/{SLUG}/settings")
    assert page.locator("#notify [data-step=in-app]").is_visible()
    assert page.locator("#push-on").is_hidden()


def test_copy_without_the_clipboard_api(phone, site: Site) -> None:
    """An old WebView has no navigator.clipboard: the link is selected and copied the old way."""
    context = phone(user_agent=IN_APP["Facebook on iPhone"][0])
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page = context.new_page()
    page.goto(site.join_url)
    assert page.evaluate("navigator.clipboard") is None
    page.get_by_role("button", name="Chép liên kết").click()
    page.locator("section.in-app [role=status]").filter(has_text="Đã chép").wait_for()
    selected = "(() => { const i = document.querySelector('[data-copy-text]');"
    selected += " return i.value.slice(i.selectionStart, i.selectionEnd); })()"
    assert page.evaluate(selected) == site.join_url


def test_join_page_in_english_in_messenger(phone, site: Site) -> None:
    page = phone(user_agent=IN_APP["Messenger on iPhone"][0], locale="en-US").new_page()
    page.goto(site.join_url)
    text = page.locator("section.in-app").inner_text()
    assert "Open this page in Chrome or Safari" in text and "inside Messenger" in text
    assert 'Choose "Open in browser"' in text


@pytest.mark.parametrize("user_agent", [None, IPHONE_UA, BROWSERS["Chrome on Android"]])
def test_a_real_browser_shows_none_of_it(phone, site: Site, user_agent: str | None) -> None:
    options = {"user_agent": user_agent} if user_agent else {}
    page = join(phone(**options), site)
    assert page.locator("[data-step=in-app]").count() == 0
    page.goto(site.join_url)
    assert page.locator("section.in-app, [data-copy]").count() == 0
