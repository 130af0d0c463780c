"""An admin's first day, in a real browser (desktop): creating a commune says it worked and
what comes next, an import lists what it made, statistics read in plain words; a resident
(phone, 360 px) finds the public figures from the group page. Vietnamese; axe finds nothing."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ADMIN, AXE, PASSWORD, SLUG, Site, join, skip_reason
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]

DESKTOP = {"width": 1280, "height": 800}


def test_an_admin_creates_imports_and_reads_figures(phone, site: Site) -> None:
    desk = auditor(phone, viewport=DESKTOP, is_mobile=False, has_touch=False, device_scale_factor=1)
    page = desk.new_page()
    page.goto("/login?next=/admin")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/admin$"))

    page.get_by_text("Tạo nhóm góp ý của xã", exact=True).click()  # the form is folded away
    page.fill("#name", "Xã Vĩnh Phong")
    page.fill("#slug", "vinh-phong")
    page.get_by_role("button", name="Tạo", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/communes/vinh-phong\?done=created$"))
    said = page.inner_text("p.notice[role=status]")
    assert said.startswith("Đã tạo nhóm góp ý của Xã Vĩnh Phong. Tiếp theo: in bảng mã QR")
    assert page.get_by_role("link", name="Trang để in").is_visible()
    assert axe(page) == []

    page.goto("/admin/import")
    page.fill("#csv", "code,name,district,province\n91001,Xã Tân Lập,Huyện Mộc Hoá,Long An\n")
    page.get_by_role("button", name="Nhập", exact=True).click()
    page.wait_for_selector("[data-imported]")
    made = page.locator("[data-imported] li")
    assert made.count() == 1 and "Xã Tân Lập" in made.inner_text()
    assert "mã 91001" in made.inner_text()
    assert axe(page) == []

    page.goto("/admin/stats")
    text = page.inner_text("main")
    assert "trung vị" not in text and "ISO" not in text
    assert "Một nửa được trả lời trong vòng" in text
    assert axe(page) == []


def test_a_resident_finds_the_public_figures_from_the_group_page(phone, site: Site) -> None:
    page = join(auditor(phone), site, "Cô Tư")
    page.get_by_role("link", name="Xã trả lời thế nào").click()
    page.wait_for_url(re.compile(rf"/c/{SLUG}/stats$"))
    assert page.inner_text("h1").endswith("trả lời người dân như thế nào")
    assert "trung vị" not in page.inner_text("main")
    assert axe(page) == []
