"""Moving to a new phone, as a resident does it: Cài đặt shows a QR code and a short code; the
new phone opens the link (or types the code) and is the same member, private questions and
all. At 360 px, in Vietnamese, axe clean (issue 17)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import AXE, SLUG, Site, join, skip_reason
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe(page) == []


def test_moving_to_a_new_phone(phone, site: Site) -> None:
    old = join(auditor(phone), site, "Chú Ba")
    asked = old.request.post(
        f"/api/v1/communes/{SLUG}/threads",
        data={
            "kind": "question",
            "body": "Hồ sơ cấp đổi sổ đỏ của tôi?",
            "visibility": "officials",
        },
        headers={"Origin": site.url},
    )
    assert asked.status == 201, asked.text()
    private = asked.json()["id"]

    old.goto(f"/c/{SLUG}/settings")
    _fits(old)
    old.get_by_role("button", name="Chuyển sang điện thoại mới").click()
    old.wait_for_url(f"**/c/{SLUG}/settings/transfer")
    assert old.locator("h1").inner_text() == "Chuyển sang điện thoại mới"
    qr = old.locator("img.transfer-qr")
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    code = old.locator(".transfer-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert "15 phút" in old.locator("main").inner_text()
    _fits(old)

    # The new phone types the code (lower case, with a space), as a person would.
    new = auditor(phone).new_page()
    new.goto("/transfer")
    assert new.locator("h1").inner_text() == "Đăng nhập bằng mã từ điện thoại cũ"
    _fits(new)
    new.fill("#code", code.lower().replace("-", " "))
    new.get_by_role("button", name="Đăng nhập trên điện thoại này").click()
    new.wait_for_url("**/?moved=1")
    assert "đã đăng nhập đúng tài khoản của bạn" in new.locator("main").inner_text()
    _fits(new)
    response = new.goto(f"/t/{private}")
    assert response is not None and response.status == 200
    assert "Hồ sơ cấp đổi sổ đỏ" in new.locator("main").inner_text()

    # Used once: a third phone with the same code is told so, where the eye is.
    third = auditor(phone).new_page()
    third.goto(f"/transfer/{code}")
    assert third.input_value("#code") == code
    third.get_by_role("button", name="Đăng nhập trên điện thoại này").click()
    assert third.locator("[role=alert]").inner_text().startswith("Mã không đúng")
    _fits(third)


def test_a_recovery_code_saved_as_a_picture(phone, site: Site) -> None:
    context = auditor(phone, accept_downloads=True)
    old = join(context, site, "Cô Tư")
    old.goto(f"/c/{SLUG}/settings")
    old.get_by_role("button", name="Tạo mã khôi phục").click()
    old.wait_for_url(f"**/c/{SLUG}/settings/recovery")
    assert old.locator("h1").inner_text() == "Mã khôi phục của bạn"
    code = old.locator(".transfer-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert old.locator("img.recovery-image").evaluate(
        "img => img.decode().then(() => img.naturalWidth === 720)"
    )
    with old.expect_download() as saved:
        old.get_by_role("link", name="Lưu thành ảnh").click()
    assert saved.value.suggested_filename == "ma-khoi-phuc.png"
    _fits(old)

    # The phone is lost: a new one signs in with the saved code, once.
    new = auditor(phone).new_page()
    new.goto("/transfer")
    new.fill("#code", code)
    new.get_by_role("button", name="Đăng nhập trên điện thoại này").click()
    new.wait_for_url("**/?moved=1")
    assert new.goto(f"/c/{SLUG}").status == 200
