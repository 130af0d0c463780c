"""QR boards decode, with real QR decoders and renderers, to the commune's join URL: the PDF
rendered at low resolution and blurred (a phone frame from two metres), the SVG as a browser
draws it on a dark page, the PNG on any background."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageFilter

from app.communes.boards import BoardPage, boards_pdf
from app.communes.models import Commune
from app.extensions import db
from tests.conftest import BASE_URL

CHROMIUM = Path("/usr/bin/chromium")
# An old board's token (before tokens were shortened to 22 characters): 32 characters.
OLD_STYLE_TOKEN = "Qk3t0aZ8pW1xV9yR2mN5bL7cD4fG6hJ0"


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def on_black(image: Image.Image) -> Image.Image:
    """The image laid on a black page, as a dark-mode viewer (or zbar) sees transparency."""
    page = Image.new("RGB", (image.width + 80, image.height + 80), "black")
    page.paste(image.convert("RGBA"), (40, 40), image.convert("RGBA"))
    return page


@pytest.fixture
def admin_client(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    return login("admin@example.vn")


def test_png_board_decodes_to_join_url(make_commune, admin_client):
    commune = make_commune()
    response = admin_client.get(f"/communes/{commune.slug}/board.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert "A" not in image.getbands() and "transparency" not in image.info
    assert decoded(image) == [f"{BASE_URL}/j/{commune.join_token}"]
    assert decoded(on_black(image)) == [f"{BASE_URL}/j/{commune.join_token}"]


def test_pdf_board_reads_at_50_dpi_with_blur(make_commune, admin_client):
    """50 dpi and a Gaussian blur of 3 pixels: roughly a slightly blurred 1080p phone frame of
    the printed A4 board from two metres. The old board (error correction M, a 120 mm image
    with its quiet zone inside) failed this; the code now fills the page's free space."""
    commune = make_commune()
    response = admin_client.get(f"/communes/{commune.slug}/board.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    try:
        assert len(document) == 1
        page = document[0].render(scale=50 / 72).to_pil().convert("L")
    finally:
        document.close()
    blurred = page.filter(ImageFilter.GaussianBlur(3))
    assert decoded(blurred) == [f"{BASE_URL}/j/{commune.join_token}"]


def test_every_page_of_a_many_boards_pdf_reads(make_commune, admin_client):
    communes = [make_commune(f"xa-{n}", f"Xã Thị trấn Số {n} huyện Rất Dài Tên") for n in range(3)]
    response = admin_client.get("/admin/boards.pdf")
    assert response.status_code == 200
    document = pypdfium2.PdfDocument(response.data)
    try:
        pages = [page.render(scale=50 / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()
    found = {text for page in pages for text in decoded(page.filter(ImageFilter.GaussianBlur(3)))}
    assert found == {f"{BASE_URL}/j/{commune.join_token}" for commune in communes}


def test_a_long_join_url_still_fits_and_reads():
    url = "https://gopy.uminhthuong.kiengiang.gov.vn/j/" + "Ab3_" * 8
    document = pypdfium2.PdfDocument(boards_pdf([BoardPage("Xã U Minh Thượng", url)]))
    try:
        page = document[0].render(scale=50 / 72).to_pil().convert("L")
    finally:
        document.close()
    assert decoded(page.filter(ImageFilter.GaussianBlur(2))) == [url]


def test_svg_board_has_a_white_background(make_commune, make_staff, login):
    commune = make_commune()
    make_staff("canbo@example.vn", communes=(commune,))
    response = login("canbo@example.vn").get(f"/communes/{commune.slug}/board.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag.endswith("svg") and root.get("viewBox")
    backgrounds = [
        element
        for element in root.iter()
        if element.tag.endswith("rect") and element.get("fill") in ("white", "#fff", "#ffffff")
    ]
    assert backgrounds and backgrounds[0].get("width") == "100%"


@pytest.fixture(scope="module")
def browser_page() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser.new_page(viewport={"width": 520, "height": 520})
        finally:
            browser.close()


def test_svg_board_scans_in_a_browser_on_a_dark_page(make_commune, admin_client, browser_page):
    """Chromium draws the SVG on a black page (dark mode, a print shop's preview): the code's
    own white background must carry it; a transparent one shows black on black."""
    commune = make_commune()
    svg = admin_client.get(f"/communes/{commune.slug}/board.svg").data
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    browser_page.set_content(
        '<body style="margin:0;padding:40px;background:#000">'
        f'<img src="{source}" style="width:440px;height:440px"></body>'
    )
    browser_page.wait_for_function("document.images[0].complete")
    shot = Image.open(io.BytesIO(browser_page.screenshot())).convert("L")
    expected = [f"{BASE_URL}/j/{commune.join_token}"]
    assert decoded(shot) == expected
    assert decoded(shot.filter(ImageFilter.GaussianBlur(2))) == expected


def test_join_tokens_are_random_and_short(make_commune):
    tokens = {make_commune(f"xa-{n}", f"Xã {n}").join_token for n in range(20)}
    assert len(tokens) == 20
    # token_urlsafe(16): 128 random bits in 22 URL-safe characters.
    assert all(len(token) == 22 for token in tokens)


def test_an_old_boards_longer_token_keeps_working(make_commune, join, client):
    commune = make_commune()
    commune.join_token = OLD_STYLE_TOKEN
    db.session.commit()
    page = client.get(f"/j/{OLD_STYLE_TOKEN}")
    assert page.status_code == 200 and commune.name in page.text
    join(db.session.get(Commune, commune.id))  # 201 through the API with the old token


def test_printable_board_page_prints_on_one_a4_page_and_reads(
    make_commune, admin_client, browser_page
):
    """The board page printed by chromium (its CSS and SVG served by the app) is one A4 page
    whose code reads at 50 dpi with blur, like the PDF."""
    commune = make_commune("xa-dai", "Xã U Minh Thượng, huyện An Minh, tỉnh Kiên Giang")

    def serve(route) -> None:
        path = route.request.url.removeprefix(BASE_URL)
        answer = admin_client.get(path)
        route.fulfill(status=answer.status_code, body=answer.data, content_type=answer.mimetype)

    browser_page.route(f"{BASE_URL}/**", serve)
    try:
        browser_page.goto(f"{BASE_URL}/communes/{commune.slug}/board")
        browser_page.wait_for_function("document.images[0].complete")
        printed = browser_page.pdf(format="A4", prefer_css_page_size=True)
    finally:
        browser_page.unroute(f"{BASE_URL}/**")
    document = pypdfium2.PdfDocument(printed)
    try:
        assert len(document) == 1
        page = document[0].render(scale=50 / 72).to_pil().convert("L")
    finally:
        document.close()
    assert decoded(page.filter(ImageFilter.GaussianBlur(3))) == [
        f"{BASE_URL}/j/{commune.join_token}"
    ]
