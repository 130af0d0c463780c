"""An official turns on the second factor in a real browser, then signs in with a recovery code;
axe finds nothing wrong on any of those pages."""

from __future__ import annotations

import re

import pytest

from app.accounts import totp
from tests.browser.conftest import AXE, DEPUTY, PASSWORD, Site, skip_reason
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]


def sign_in(page, email: str) -> None:
    page.goto("/login?next=/account/security")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_second_factor_set_up_and_used(phone, site: Site) -> None:
    problems: dict[str, list] = {}

    def check(name: str, page) -> None:
        found = axe(page)
        if found:
            problems[name] = found

    page = auditor(phone).new_page()
    sign_in(page, DEPUTY)
    page.wait_for_url(re.compile(r"/account/security$"))
    check("security", page)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_selector("img.totp-qr")
    check("setup", page)
    assert page.evaluate("document.querySelector('img.totp-qr').naturalWidth") > 0
    secret = page.inner_text("code.secret").replace(" ", "")

    page.fill("#code", "12345")  # a digit short
    page.click("main form button[type=submit]")
    page.wait_for_selector("p.error[role=alert]")
    page.fill("#code", totp.code_at(secret, totp.current_step()))
    page.click("main form button[type=submit]")
    page.wait_for_selector("ul.recovery-codes")
    check("recovery codes", page)
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10

    # A new phone: the password, then the code page; a recovery code lets the official in.
    other = auditor(phone).new_page()
    sign_in(other, DEPUTY)
    other.wait_for_selector("#code")
    check("sign-in code", other)
    assert other.get_attribute("#code", "autocomplete") == "one-time-code"
    other.fill("#code", codes[0])
    other.click("main form button[type=submit]")
    other.wait_for_url(re.compile(r"/account/security$"))
    assert "9" in other.inner_text("main")  # nine recovery codes left
    assert problems == {}
