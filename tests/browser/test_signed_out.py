"""A phone without its cookie opening a group's link meets the residents' page, in
Vietnamese, at 360 px, axe clean (issue 17)."""

from __future__ import annotations

import pytest

from app.communes.models import Commune
from app.communes.services import board_code
from tests.browser.conftest import AXE, SLUG, Site, join, skip_reason
from tests.browser.test_accessibility import auditor, axe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]


def test_a_neighbours_link_opened_signed_out(phone, site: Site) -> None:
    member = join(phone(), site, "Chị Lan")
    answer = member.request.post(
        f"/api/v1/communes/{SLUG}/threads",
        data={"kind": "question", "body": "Đèn đường ở ấp 3 hỏng từ tuần trước?"},
        headers={"Origin": site.url},
    )
    assert answer.status == 201, answer.text()
    shared_link = f"/t/{answer.json()['id']}"

    stranger = auditor(phone).new_page()
    for path in (shared_link, f"/c/{SLUG}"):
        response = stranger.goto(path)
        assert response is not None and response.status == 401
        assert stranger.locator("h1").inner_text() == "Trang này thuộc nhóm góp ý của xã"
        body = stranger.locator("main").inner_text()
        assert "quét mã QR" in body and "đường link tham gia" in body
        assert stranger.locator("input[type=password]").count() == 0
        assert stranger.evaluate("document.documentElement.scrollWidth") <= 360
        assert axe(stranger) == []


def test_typing_the_boards_code_instead_of_scanning(phone, site: Site) -> None:
    [(commune_id, code, token)] = site.query(
        "SELECT id, code, join_token FROM commune WHERE slug = ?", SLUG
    )
    typed = board_code(Commune(id=commune_id, code=code, join_token=token)).lower()
    page = auditor(phone).new_page()
    page.goto(f"/c/{SLUG}")
    page.fill("#join-code", typed.replace("-", " "))
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url(f"**/j/{token}")
    assert page.get_by_role("button", name="Tham gia nhóm").count() == 1
    assert axe(page) == []

    page.goto("/j?code=99999-AAAA")
    assert page.locator("[role=alert]").count() == 1
    assert page.locator("#join-code").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe(page) == []
