"""QR boards decode, with a real QR decoder, to the commune's join URL."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image

from tests.conftest import BASE_URL


def test_png_board_decodes_to_join_url(make_commune, make_staff, login):
    commune = make_commune()
    make_staff("admin@example.vn", admin=True)
    response = login("admin@example.vn").get(f"/communes/{commune.slug}/board.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [result.text for result in results] == [f"{BASE_URL}/j/{commune.join_token}"]


def test_svg_board_is_scalable_vector(make_commune, make_staff, login):
    commune = make_commune()
    make_staff("canbo@example.vn", communes=(commune,))
    response = login("canbo@example.vn").get(f"/communes/{commune.slug}/board.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag.endswith("svg")
    assert root.get("viewBox")
    assert any(element.tag.endswith("path") for element in root.iter())


def test_join_tokens_are_random_and_long(make_commune):
    tokens = {make_commune(f"xa-{n}", f"Xã {n}").join_token for n in range(20)}
    assert len(tokens) == 20
    # token_urlsafe(24): 24 random bytes = 192 bits, 32 URL-safe characters.
    assert all(len(token) == 32 for token in tokens)
