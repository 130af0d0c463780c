"""A forgotten password, in a real browser: the admin (desktop) makes a one-time link and
copies it; the official (phone, 360 px) opens it, chooses a new password, signs in and later
changes it on their own page. Vietnamese; axe finds nothing on any of these pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ADMIN, AXE, FORGETFUL, PASSWORD, SLUG, Site, skip_reason
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]

DESKTOP = {"width": 1280, "height": 800}
CHOSEN = "mật khẩu mới của tôi"
LATER = "một mật khẩu khác nữa"


def sign_in(page, email: str, password: str, landing: str) -> None:
    page.goto(f"/login?next={landing}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(landing)}$"))


def test_a_forgotten_password_comes_back_through_a_link(phone, site: Site) -> None:
    problems: dict[str, list] = {}

    def check(name: str, page) -> None:
        found = axe(page)
        if found:
            problems[name] = found

    desk = auditor(phone, viewport=DESKTOP, is_mobile=False, has_touch=False, device_scale_factor=1)
    desk.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    admin = desk.new_page()
    sign_in(admin, ADMIN, PASSWORD, f"/admin/communes/{SLUG}")
    card = admin.locator("ul.cards li", has_text=FORGETFUL)
    card.get_by_role("button", name="Quên mật khẩu: tạo đường dẫn đặt lại").click()
    admin.wait_for_selector("[data-copy-text]")
    assert "chỉ dùng được một lần, trong 24 giờ" in admin.inner_text("main")
    link = admin.input_value("[data-copy-text]")
    assert re.fullmatch(rf"{re.escape(site.url)}/password-reset/[\w-]{{43}}", link)
    admin.get_by_role("button", name="Chép liên kết").click()
    admin.wait_for_selector("p[role=status]:text('Đã chép')")
    assert admin.evaluate("navigator.clipboard.readText()") == link
    check("admin: the link", admin)

    page = auditor(phone).new_page()
    page.goto(link)
    assert page.title() == "Đặt mật khẩu mới"
    assert FORGETFUL in page.inner_text("main")
    check("reset page", page)
    page.fill("#new_password", CHOSEN)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/login\?reset=1$"))
    assert page.get_by_text("Mật khẩu mới đã được lưu").is_visible()
    check("sign-in after reset", page)
    # One use: the same link now says so, and asks for a new one.
    again = auditor(phone).new_page()
    again.goto(link)
    assert "đã hết hạn hoặc đã được dùng" in again.inner_text("main")

    sign_in(page, FORGETFUL, CHOSEN, "/account/security")
    page.get_by_role("link", name="Đổi mật khẩu").click()
    page.wait_for_url(re.compile(r"/account/password$"))
    check("change password", page)
    page.fill("#current_password", "không phải mật khẩu này")
    page.fill("#new_password", LATER)
    page.click("main button[type=submit]")
    page.wait_for_selector("p.error[role=alert]")
    assert page.inner_text("p.error") == "Mật khẩu hiện tại không đúng."
    assert page.evaluate("document.activeElement.matches('p.error')")
    check("change password: wrong", page)
    page.fill("#current_password", CHOSEN)
    page.fill("#new_password", LATER)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/account/password\?done=1$"))
    assert page.get_by_text("Đã đổi mật khẩu.").is_visible()
    check("change password: done", page)
    assert problems == {}
