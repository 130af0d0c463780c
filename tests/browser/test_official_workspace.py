"""An official at phone size in the workspace: the number waiting in the title and the menu,
the report's location, a status menu that starts at the current status; axe finds nothing."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import OFFICIAL, PASSWORD, SLUG, Site, join, skip_reason
from tests.browser.test_accessibility import AXE, auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]


def test_an_official_sees_what_waits_where_it_is_and_its_status(phone, site: Site) -> None:
    resident = join(phone(), site, "Bác Năm")
    asked = resident.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={
            "kind": "report",
            "body": "Cột điện nghiêng sắp đổ trước nhà văn hoá ấp 2.",
            "address": "Nhà văn hoá ấp 2",
            "latitude": 16.2,
            "longitude": 107.3,
        },
        headers={"Origin": site.url},
    ).json()

    staff = auditor(phone).new_page()
    staff.goto(f"/login?next=/w/{SLUG}")
    staff.fill("#email", OFFICIAL)
    staff.fill("#password", PASSWORD)
    staff.click("main button[type=submit]")
    staff.wait_for_url(re.compile(rf"/w/{SLUG}$"))
    assert re.match(r"^\(\d+\) Hộp thư cần trả lời", staff.title())
    assert re.fullmatch(r"\d+ đang chờ", staff.locator("nav.tabs [data-waiting]").inner_text())
    assert axe(staff) == []

    staff.goto(f"/w/t/{asked['id']}")
    assert staff.get_by_text("Nhà văn hoá ấp 2", exact=True).is_visible()
    assert staff.get_by_role("link", name="Bản đồ").is_visible()
    staff.select_option("#status", "resolved")
    staff.fill("#note", "Điện lực đã dựng lại cột.")
    staff.click("#history button[type=submit]")
    staff.wait_for_url(re.compile(rf"/w/t/{asked['id']}#history$"))
    assert staff.input_value("#status") == "resolved"
    offered = staff.locator("#status option").evaluate_all("os => os.map(o => o.value)")
    assert offered == ["resolved", "in_progress"]
    assert axe(staff) == []
