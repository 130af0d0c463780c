"""Security headers on every page of the URL map (moved from test_route_inventory.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.authorization.declarations import ROUTES, case, everyone
from tests.authorization.test_matrix import fill
from tests.authorization.world import World, build

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
)
# Every GET of the matrix with its first case's values, and the static files it leaves out.
GETS = sorted(
    [(declared.rule, declared.cases[0]) for declared in ROUTES if declared.method == "GET"]
    + [("/static/<path:filename>", case(everyone(200), values={"filename": "app.css"}))],
    key=lambda item: item[0],
)


@pytest.fixture(scope="module")
def world(module_app: Flask) -> Iterator[World]:
    yield build(module_app)


@pytest.mark.parametrize(("rule", "get"), GETS, ids=[rule for rule, _ in GETS])
def test_every_page_carries_the_security_headers(world: World, rule, get) -> None:
    response = world.clients["official_a"].get(fill(rule, get, world.ids))
    response.close()  # static files are streamed from disk
    world.restore_cookies()  # /lang/en, a new session cookie
    assert response.status_code < 500
    for header in SECURITY_HEADERS:
        assert header in response.headers, (rule, header)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
