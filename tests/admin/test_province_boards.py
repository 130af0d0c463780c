"""One PDF of a whole province's boards (issue 15): An Giang's 102 communes of the 2025 list,
a page each with one QR code that decodes to the commune's join link, streamed page by page,
and the page that shows its progress."""

from __future__ import annotations

import re

from app.communes.boards import PAGE_MARK, BoardPage, stream_boards_pdf
from tests.admin.test_boards import decoded_qr_codes, page_texts
from tests.admin.test_scale import AN_GIANG, official_list
from tests.conftest import BASE_URL


def test_a_province_prints_as_one_pdf_with_a_readable_qr_per_page(world):
    communes = official_list(AN_GIANG)
    assert len(communes) == 102
    response = world["admin"].get("/admin/boards.pdf?province=An Giang")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.is_streamed
    assert response.headers["X-Accel-Buffering"] == "no"  # nginx passes pages on as they come
    assert response.headers["X-Board-Pages"] == "102"
    assert 'filename="boards-an-giang.pdf"' in response.headers["Content-Disposition"]
    pdf = response.get_data()
    codes = decoded_qr_codes(pdf)
    assert len(codes) == 102
    assert all(len(on_page) == 1 for on_page in codes)
    expected = {f"{BASE_URL}/j/{commune.join_token}" for commune in communes}
    assert {on_page[0] for on_page in codes} == expected
    texts = page_texts(pdf)
    assert sum("Xã U Minh Thượng" in text for text in texts) == 1
    # The marks a script counts: one after each page, in order.
    assert [int(n) for n in re.findall(rb"%board (\d+)\n", pdf)] == list(range(1, 103))


def test_the_pdf_streams_before_the_last_page_is_drawn():
    drawn: list[int] = []

    def pages():
        for number in range(1, 6):
            drawn.append(number)
            yield BoardPage(f"Xã {number}", f"{BASE_URL}/j/token{number}")

    stream = stream_boards_pdf(pages())
    received = b""
    while PAGE_MARK + b"1\n" not in received:
        received += next(stream)
    assert received.startswith(b"%PDF-")
    assert drawn == [1]  # the first page went out while the other four were not drawn yet
    rest = b"".join(stream)
    assert drawn == [1, 2, 3, 4, 5] and rest.endswith(b"%%EOF\n")


def test_boards_page_shows_progress_of_the_province_pdf(world):
    official_list(AN_GIANG)
    page = world["admin"].get("/admin/boards?province=An Giang")
    assert page.status_code == 200
    html = page.text
    assert 'data-pages="102"' in html and "<progress" in html
    assert "/admin/boards.pdf?province=An+Giang" in html  # the link works without script
    assert "admin/boards.js" in html
    assert "<style" not in html and " style=" not in html  # the CSP allows neither
    src = next(part.split('"')[0] for part in html.split('<script src="') if "boards" in part[:80])
    script = world["admin"].get(src)
    assert script.status_code == 200 and "%board" in script.text
    # From the console's list of provinces (by its 2025 code).
    assert "/admin/boards?province=91" in world["admin"].get("/admin").text


def test_boards_page_and_pdf_are_for_admins(world):
    official_list(AN_GIANG)
    for who in ("official_a", "resident_a"):
        assert world[who].get("/admin/boards?province=An Giang").status_code == 403
        assert world[who].get("/admin/boards.pdf?province=An Giang").status_code == 403
    assert world["admin"].get("/admin/boards.pdf?province=Nowhere").status_code == 404
    empty = world["admin"].get("/admin/boards?province=Nowhere")
    assert empty.status_code == 200 and "<progress" not in empty.text
