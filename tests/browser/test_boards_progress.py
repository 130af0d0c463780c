"""A province's boards in a real browser (issue 15): an admin opens An Giang's boards page,
presses the button, watches "Page N of 102…" count up as the streamed PDF arrives
(static/admin/boards.js), and gets one PDF of 102 pages. The page enforces its CSP (the phone
fixture fails on any refusal); axe finds nothing on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import ADMIN, AXE, PASSWORD, Site, skip_reason
from tests.browser.test_accessibility import auditor, axe
from tests.server.helpers import flask_cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
]

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False}
AN_GIANG_COMMUNES = 102
# Kept by the page as the progress moves: every value the bar takes and every sentence the
# status line says (observed in the page, so no step is missed between two polls).
WATCH = """() => {
  const bar = document.querySelector("[data-boards-status] progress");
  const words = document.querySelector("#boards-progress");
  window.seenBoards = { values: [], words: [] };
  new MutationObserver(() => {
    window.seenBoards.values.push(bar.value);
    window.seenBoards.words.push(words.textContent);
  }).observe(bar.parentElement, { attributes: true, childList: true, subtree: true,
                                   characterData: true });
}"""


def sign_in(page, landing: str) -> None:
    page.goto(f"/login?next={landing}")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(landing)}$"))


def test_the_boards_page_counts_the_pages_and_hands_over_the_pdf(
    phone, site: Site, tmp_path: Path
) -> None:
    import pypdf
    from playwright.sync_api import expect  # only where the browser tests run

    # The official list's An Giang (idempotent: a second run changes nothing).
    output = flask_cli(site.env, "communes", "import-official", "--province", "91")
    assert "An Giang (91)" in output

    desk = phone(**DESKTOP, device_scale_factor=1, accept_downloads=True)
    page = desk.new_page()
    landing = "/admin/boards?province=91"
    sign_in(page, landing)
    assert page.get_attribute("[data-boards]", "data-pages") == str(AN_GIANG_COMMUNES)
    status = page.locator("#boards-progress")
    page.evaluate(WATCH)

    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("link", name="Tạo tệp PDF").click()
        expect(page.locator("[data-boards-status]")).to_be_visible()
    download = download_info.value
    expect(status).to_have_text(f"Xong: {AN_GIANG_COMMUNES} trang. Hãy lưu hoặc in tệp PDF.")

    seen = page.evaluate("window.seenBoards")
    values = [int(value) for value in seen["values"]]
    # The bar starts at nothing, moves through pages in between, never back, and ends full.
    assert values[0] == 0 and values[-1] == AN_GIANG_COMMUNES
    assert values == sorted(values)
    assert any(0 < value < AN_GIANG_COMMUNES for value in values), values
    counting = [text for text in seen["words"] if re.fullmatch(r"Trang \d+ / 102…", text)]
    assert counting, seen["words"]
    assert page.locator("[data-boards-save] a").is_visible()

    assert download.suggested_filename == "boards-91.pdf"
    saved = tmp_path / "boards.pdf"
    download.save_as(saved)
    pdf = pypdf.PdfReader(saved)
    assert len(pdf.pages) == AN_GIANG_COMMUNES
    assert "Xã U Minh Thượng" in "".join(p.extract_text() for p in pdf.pages)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)")
def test_the_boards_page_passes_axe(phone, site: Site) -> None:
    flask_cli(site.env, "communes", "import-official", "--province", "91")
    page = auditor(phone, **DESKTOP, device_scale_factor=1).new_page()
    sign_in(page, "/admin/boards?province=91")
    assert axe(page) == []
