"""Issue 14: the public accountability pages on a 360 px phone in Vietnamese, signed out:
axe finds nothing, tap targets are 44 px, the SVG chart fits the screen, nothing scrolls
sideways; and the group's page links to them."""

from __future__ import annotations

import sqlite3

import pytest

from tests.browser.conftest import AXE, SLUG, Site, join, screenshot, skip_reason
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]

PRIVATE = "Hồ sơ đất riêng của nhà tôi"


def test_the_accountability_pages_on_a_phone(phone, site: Site) -> None:
    # A Huế commune (46), with a public question answered and a private one waiting.
    with sqlite3.connect(site.instance / "feedback.sqlite3", timeout=10) as connection:
        connection.execute("UPDATE commune SET province_code = '46' WHERE slug = ?", (SLUG,))
    resident = join(phone(), site, "Bác Tư")
    for visibility, body in (("public", "Đèn đường hẻm 3 bị hỏng"), ("officials", PRIVATE)):
        asked = resident.request.post(
            f"{site.url}/api/v1/communes/{SLUG}/threads",
            data={"kind": "report", "body": body, "visibility": visibility},
            headers={"Origin": site.url},
        ).json()
    official = site.official()
    official.post(
        f"{site.url}/api/v1/threads/{asked['id']}/replies", json={"body": "Đã nhận."}, timeout=10
    )
    # The group's page links to the commune's figures.
    resident.goto(f"/c/{SLUG}")
    resident.click(f"a[href='/c/{SLUG}/accountability']")
    resident.wait_for_url(f"**/c/{SLUG}/accountability")

    visitor = auditor(phone).new_page()
    problems = {}
    for name, path in (
        ("commune", f"/c/{SLUG}/accountability"),
        ("province", "/provinces/46/accountability"),
        ("province, 90 days", "/provinces/46/accountability?days=90"),
    ):
        response = visitor.goto(path)
        assert response is not None and response.status == 200, path
        assert visitor.locator("html").get_attribute("lang") == "vi"
        found = axe(visitor)
        if found:
            problems[name] = found
        chart = visitor.locator("svg.chart").bounding_box()
        assert chart is not None and chart["width"] <= 360, (name, chart)
        assert visitor.evaluate("document.documentElement.scrollWidth") <= 360, name
        assert PRIVATE not in visitor.content()
        screenshot(visitor, "accountability-" + name.split(",")[0])
    assert problems == {}
    visitor.goto(f"/c/{SLUG}/accountability")
    screenshot(visitor, "accountability-commune")
    assert "Trả lời đúng hạn" in visitor.content()
