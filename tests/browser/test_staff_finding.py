"""Staff finding things, in a real browser: an admin (desktop) picks communes for an invitation
by typing part of a name instead of Ctrl-clicking a list, and copies the link with a button; an
official (phone, 360 px) whose search finds nothing open is told where else it found some.
Vietnamese; axe finds nothing on these pages."""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.conftest import (
    ADMIN,
    AXE,
    OFFICIAL,
    PASSWORD,
    SLUG,
    Site,
    join,
    skip_reason,
)
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]

DESKTOP = {"width": 1280, "height": 800}


def sign_in(page, email: str, landing: str) -> None:
    page.goto(f"/login?next={landing}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(landing)}$"))


def test_an_admin_finds_communes_by_typing_and_copies_the_invitation(phone, site: Site) -> None:
    with requests.Session() as api:
        api.headers["Origin"] = site.url
        signed = api.post(
            f"{site.url}/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD}
        )
        assert signed.status_code == 200, signed.text
        # Names of no commune of the official list: another test imports An Giang into this
        # site, which has its own Đông Hưng and U Minh Thượng.
        for slug, name in (
            ("u-minh-kiem", "Xã U Minh Kiểm"),
            ("dong-hung-kiem", "Xã Đông Hưng Kiểm"),
        ):
            made = api.post(f"{site.url}/api/v1/communes", json={"slug": slug, "name": name})
            assert made.status_code in (201, 409), made.text

    desk = auditor(phone, viewport=DESKTOP, is_mobile=False, has_touch=False, device_scale_factor=1)
    desk.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page = desk.new_page()
    sign_in(page, ADMIN, "/admin/invites")
    assert axe(page) == []
    from playwright.sync_api import expect  # only where the browser tests run

    found = page.locator("[data-picker-results] input[type=checkbox]")
    chosen = page.locator("[data-picker-chosen] input[type=checkbox]")
    assert found.count() >= 3
    page.fill("#commune_search", "dong hung kiem")  # no accents, lower case: the server's search
    expect(found).to_have_count(1)
    assert found.evaluate_all("bs => bs.map(b => b.value)") == ["dong-hung-kiem"]
    page.get_by_label("Xã Đông Hưng Kiểm").check()
    assert page.inner_text("[data-picker-count]") == "Đã chọn: 1 xã"
    page.fill("#commune_search", "U MINH KIEM")
    expect(found).to_have_count(1)
    assert found.evaluate_all("bs => bs.map(b => b.value)") == ["u-minh-kiem"]
    # What was chosen stays in sight, among the chosen, while the search finds another name.
    assert chosen.evaluate_all("bs => bs.map(b => b.value)") == ["dong-hung-kiem"]
    page.get_by_label("Xã U Minh Kiểm").check()
    page.fill("#commune_search", "không có xã này")
    expect(page.get_by_text("Không có xã nào có tên này.")).to_be_visible()
    expect(found).to_have_count(0)
    page.press("#commune_search", "Enter")  # does not send the form
    assert page.url.endswith("/admin/invites")
    assert chosen.evaluate_all("bs => bs.map(b => b.value)") == ["dong-hung-kiem", "u-minh-kiem"]
    assert axe(page) == []
    page.fill("#email", "canbo.moi@example.vn")
    page.get_by_role("button", name="Tạo đường dẫn mời").click()
    page.wait_for_selector("[data-copy-text]")
    link = page.input_value("[data-copy-text]")
    assert "/invite/" in link
    assert (
        page.locator("ul.cards li", has_text="canbo.moi@example.vn").inner_text().count("Xã") == 2
    )
    page.get_by_role("button", name="Chép liên kết").click()
    page.wait_for_selector("p[role=status]:text('Đã chép')")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert axe(page) == []


def test_a_search_with_nothing_open_says_where_else_it_found(phone, site: Site) -> None:
    resident = join(phone(), site, "Chú Ba")
    asked = resident.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "report", "body": "Cống xả cạnh chợ Tân Lập bị nghẹt rác."},
        headers={"Origin": site.url},
    ).json()
    official = site.official()
    closed = official.patch(
        f"{site.url}/api/v1/threads/{asked['id']}",
        json={"status": "resolved", "note": "Đã nạo vét xong."},
    )
    assert closed.status_code == 200, closed.text

    page = auditor(phone).new_page()
    sign_in(page, OFFICIAL, f"/w/{SLUG}")
    # Words no other browser test posts: the site and its commune are shared by every test.
    page.fill("#q", "chợ tân lập")
    page.get_by_role("button", name="Xem", exact=True).click()
    page.wait_for_selector("[data-elsewhere]")
    said = page.inner_text("[data-elsewhere]")
    assert "Không có câu hỏi nào ở trạng thái đã chọn khớp với “chợ tân lập”." in said
    assert axe(page) == []
    page.get_by_role(
        "link", name=re.compile(r"^Xem \d+ kết quả tìm thấy ở mọi trạng thái$")
    ).click()
    page.wait_for_url(re.compile(r"status=all"))
    assert page.locator(f'[data-thread="{asked["id"]}"]').is_visible()
    assert page.input_value("#q") == "chợ tân lập"
