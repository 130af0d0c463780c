"""Brotli and gzip: what ``Accept-Encoding`` asks for, and bodies that decode to the original."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest
from werkzeug.http import parse_accept_header

from app.compression import compress, negotiate

ROOT = Path(__file__).resolve().parents[2]
DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("gzip", "gzip"),
        ("br", "br"),
        # Equal q: our order, brotli first, whatever the browser's order.
        ("gzip, br", "br"),
        ("br, gzip", "br"),
        ("gzip, deflate, br, zstd", "br"),
        # q=0 means "not this one": the bug this replaced sent gzip anyway.
        ("gzip;q=0", None),
        ("gzip;q=0, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", None),
        # Higher q wins over our order.
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0.9, br;q=0.8", "gzip"),
        ("gzip;q=0.001", "gzip"),
        # "*" stands for every coding not named; a named one overrides it.
        ("*", "br"),
        ("*;q=0", None),
        ("*;q=0, gzip", "gzip"),
        ("br;q=0, *", "gzip"),
        ("br;q=0, gzip;q=0, *", None),
        ("*;q=0.2, gzip;q=0.5", "gzip"),
        # identity ranked above every coding: the bytes as they are.
        ("identity", None),
        ("gzip;q=0.5, identity", None),
        ("gzip, identity;q=0.5", "gzip"),
        ("gzip, identity", "gzip"),
        ("identity;q=0, gzip", "gzip"),
        # Case and spacing do not matter; a malformed q drops that entry only.
        ("GZIP", "gzip"),
        (" br ; q=1 ,gzip;q=0.1", "br"),
        ("gzip;q=high", None),
        ("gzip;q=high, br;q=0.3", "br"),
        ("deflate, compress", None),
    ],
)
def test_negotiation(header: str | None, expected: str | None) -> None:
    assert negotiate(parse_accept_header(header)) == expected


@pytest.mark.parametrize("coding", ["br", "gzip"])
@pytest.mark.parametrize("once", [False, True])
def test_compress_round_trips(coding: str, once: bool) -> None:
    data = "Xin chào, xã A. ".encode() * 200
    packed = compress(data, coding, once=once)
    assert len(packed) < len(data) // 5
    assert DECODERS[coding](packed) == data


def test_unknown_coding_is_an_error() -> None:
    with pytest.raises(ValueError, match="zstd"):
        compress(b"x", "zstd")


def _asset_url(client, suffix: str) -> str:
    page = client.get("/login").text
    start = page.index("/assets/")
    while True:
        url = page[start : page.index('"', start)]
        if url.endswith(suffix):
            return url
        start = page.index("/assets/", start + 1)


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_assets_decode_to_the_file(client, coding: str) -> None:
    url = _asset_url(client, ".css")
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    sent = client.get(url, headers={"Accept-Encoding": f"{coding}, identity;q=0.1"})
    assert sent.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in sent.headers["Vary"]
    assert len(sent.data) < len(plain.data)
    assert DECODERS[coding](sent.data) == plain.data


def test_a_browser_that_says_both_gets_brotli_for_assets(client) -> None:
    response = client.get(_asset_url(client, ".js"), headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"


@pytest.mark.parametrize("header", ["gzip;q=0", "gzip;q=0, br;q=0", "identity", ""])
def test_assets_refused_codings_are_not_sent(client, header: str) -> None:
    response = client.get(_asset_url(client, ".css"), headers={"Accept-Encoding": header})
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"{" in response.data


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_pages_decode_to_the_page(client, coding: str) -> None:
    response = client.get("/login", headers={"Accept-Encoding": coding})
    assert response.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in response.headers["Vary"]
    page = DECODERS[coding](response.data).decode()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "/assets/" in page


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_json_decodes_to_the_same_document(client, coding: str) -> None:
    plain = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "identity"})
    sent = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": coding})
    assert "Content-Encoding" not in plain.headers
    assert sent.headers["Content-Encoding"] == coding
    assert DECODERS[coding](sent.data) == plain.data


@pytest.mark.parametrize("header", ["gzip;q=0", "br;q=0, gzip;q=0", "*;q=0", "identity"])
def test_pages_refused_codings_are_not_sent(client, header: str) -> None:
    response = client.get("/login", headers={"Accept-Encoding": header})
    assert "Content-Encoding" not in response.headers
    # Still varies: the same URL would be compressed for another browser.
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.text.lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_the_service_workers_import_is_compressed_and_revalidated(client, coding: str) -> None:
    # sw.js is one static file: it imports the outbox by its plain /static/ URL.
    assert 'importScripts("/static/outbox.js")' in (ROOT / "static" / "sw.js").read_text()
    plain = client.get("/static/outbox.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.data == (ROOT / "static" / "outbox.js").read_bytes()
    sent = client.get("/static/outbox.js", headers={"Accept-Encoding": coding})
    assert sent.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in sent.headers["Vary"]
    assert sent.headers["Cache-Control"] == "no-cache"
    assert DECODERS[coding](sent.data) == plain.data
    # Asked again each time the worker updates: unchanged, it costs a 304.
    again = client.get(
        "/static/outbox.js",
        headers={"Accept-Encoding": coding, "If-None-Match": sent.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.data == b""
    assert plain.headers["ETag"] != sent.headers["ETag"]  # other bytes, another tag


@pytest.mark.parametrize("path", ["/static/nothing.js", "/static/../app/config.py"])
def test_static_files_outside_the_folder_or_missing_are_not_found(client, path: str) -> None:
    assert client.get(path).status_code == 404
