"""The weight budget: the join page and the feed page, first visit, together transfer at most
60 KB compressed, counting what the service worker precaches and the manifest with its icons.

Measured on the server side: the gunicorn access log records each response's body bytes (as
sent, compressed). Headers are counted at a flat 1 KB per response (they are 0.7 to 0.9 KB here,
mostly the security headers).
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.conftest import Site, controlled, join, skip_reason

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

BUDGET = 60 * 1024
HEADERS = 1024
LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" (?P<status>\d{3}) (?P<bytes>\d+|-)')


def compressed_size(url: str) -> int:
    """A file's size as the server sends it to a browser that accepts gzip."""
    with requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10) as r:
        return len(r.raw.read(decode_content=False))


def test_join_and_feed_first_visit_within_60_kb(phone, site: Site, capsys) -> None:
    log = site.instance / "gunicorn.log"
    start = log.stat().st_size
    context = phone()
    page = join(context, site)
    controlled(page)
    page.wait_for_load_state("networkidle")
    with log.open(encoding="utf-8") as handle:
        handle.seek(start)
        lines = [match.groupdict() for match in map(LINE.search, handle) if match]

    sent: list[tuple[str, int]] = []
    for line in lines:
        size = 0 if line["bytes"] == "-" else int(line["bytes"])
        if size == 0 and line["status"] == "200":  # files sent by sendfile are logged as 0
            size = compressed_size(site.url + line["path"])
        sent.append((f"{line['method']} {line['path']}", size))
    paths = {name.split(" ", 1)[1] for name, _size in sent}
    assert {"/sw.js", "/offline", "/c/xa-a"} <= paths  # the worker installed and precached

    # A phone that installs the app also reads the manifest and its icons.
    if "/manifest.webmanifest" not in paths:
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        manifest = requests.get(f"{site.url}/manifest.webmanifest", cookies=cookies, timeout=10)
        sent.append(("GET /manifest.webmanifest", len(manifest.content)))
        for icon in manifest.json()["icons"]:
            if icon["src"] not in paths:
                sent.append((f"GET {icon['src']}", compressed_size(site.url + icon["src"])))

    bodies = sum(size for _name, size in sent)
    total = bodies + HEADERS * len(sent)
    with capsys.disabled():
        print(f"\nfirst visit, join + feed: {len(sent)} responses, {bodies} bytes of bodies, ")
        print(f"{total} bytes with headers (budget {BUDGET})")
    assert total <= BUDGET, sent
