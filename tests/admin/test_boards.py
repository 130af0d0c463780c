"""QR boards as a printable page and as PDF; one PDF page per commune of a district."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import zxingcpp
from sqlalchemy import select

from app.accounts.models import Account
from app.communes.services import board_code, update_commune
from app.extensions import db
from tests.conftest import BASE_URL


def decoded_qr_codes(pdf: bytes) -> list[list[str]]:
    """For each page, the texts of the QR codes printed on it (the code is drawn as vectors:
    the page is rendered, at 100 dpi, as a printer would)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        images = [page.render(scale=100 / 72).to_pil() for page in document]
    finally:
        document.close()
    return [[result.text for result in zxingcpp.read_barcodes(image)] for image in images]


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def place(commune, admin_account, **fields) -> None:
    update_commune(commune, admin_account, fields)
    db.session.commit()


def test_printable_board_page(world):
    for actor in ("admin", "official_a"):
        response = world[actor].get("/communes/xa-a/board")
        assert response.status_code == 200
        html = response.text
        assert "Xã A" in html
        assert "Quét mã để tham gia nhóm góp ý của xã" in html
        # The short, case-free address to type beside the QR code (the QR carries the token).
        assert f"{BASE_URL}/j/{board_code(world['a'])}" in html
        assert "/communes/xa-a/board.svg" in html
        assert "admin/board.css" in html
        # The Content-Security-Policy forbids inline script and style: the page has neither.
        assert "<script" not in html and "<style" not in html and " style=" not in html
    css = world["admin"].get(html.split('href="')[1].split('"')[0])
    assert css.status_code == 200 and "@media print" in css.text and "@page" in css.text


def test_single_board_pdf_decodes_to_join_url(world):
    response = world["official_a"].get("/communes/xa-a/board.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert decoded_qr_codes(response.data) == [[f"{BASE_URL}/j/{world['a'].join_token}"]]
    text = page_texts(response.data)[0]
    assert "Xã A" in text
    assert "Quét mã để tham gia nhóm góp ý của xã" in text
    # The short address written out to type.
    assert f"/j/{board_code(world['a'])}" in text.replace("\n", "")


def test_district_pdf_has_one_page_per_commune_each_with_its_qr(world, make_commune, make_staff):
    admin_account = db.session.scalar(select(Account).where(Account.is_admin))
    c = make_commune("xa-c", "Xã Cần Đước")
    d = make_commune("xa-d", "Phường Đông Hưng Thuận")
    for commune in (world["a"], c, d):
        place(commune, admin_account, province="Long An", district="Huyện Cần Đước")
    place(world["b"], admin_account, province="Long An", district="Huyện Khác")

    response = world["admin"].get("/admin/boards.pdf?province=Long An&district=Huyện Cần Đước")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    codes = decoded_qr_codes(response.data)
    expected = {
        f"{BASE_URL}/j/{commune.join_token}": commune.name for commune in (world["a"], c, d)
    }
    assert len(codes) == 3
    assert all(len(page) == 1 for page in codes)
    assert {page[0] for page in codes} == set(expected)
    # Each page names the commune its QR code belongs to (Vietnamese letters intact).
    for page_codes, text in zip(codes, page_texts(response.data), strict=True):
        assert expected[page_codes[0]] in text

    province = world["admin"].get("/admin/boards.pdf?province=Long An")
    assert len(decoded_qr_codes(province.data)) == 4
    everything = world["admin"].get("/admin/boards.pdf")
    assert len(pypdf.PdfReader(io.BytesIO(everything.data)).pages) == 4
    none = world["admin"].get("/admin/boards.pdf?province=Nowhere")
    assert none.status_code == 404


def test_board_roles(app, world):
    anonymous = app.test_client()
    for path in ("/communes/xa-a/board", "/communes/xa-a/board.pdf"):
        assert anonymous.get(path).status_code == 401
        assert world["official_b"].get(path).status_code == 403
        assert world["resident_a"].get(path).status_code == 403
        assert world["admin"].get(path.replace("xa-a", "nope")).status_code == 404
    assert anonymous.get("/admin/boards.pdf").status_code == 302
    for actor in ("official_a", "resident_a"):
        assert world[actor].get("/admin/boards.pdf").status_code == 403
