"""Every route this capability adds, against every kind of caller.

Admin routes: only admins. A commune's board and statistics: admins and that commune's
officials, never another commune's. Public figures and an invitation link: anyone. Residents
never reach an admin route. Signed-out callers get 401 from the API and the boards, and the
sign-in page (302) from the other pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.extensions import db

ACTORS = ("anonymous", "resident_a", "official_a", "official_b", "admin")
CSV = "code,name,district,province\n90001,Xã Mới,,\n"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    statuses: dict[str, int]
    json: Any = None
    data: Any = None
    content_type: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


def admin_only(ok: int, *, page: bool = False) -> dict[str, int]:
    return {
        "anonymous": 302 if page else 401,
        "resident_a": 403,
        "official_a": 403,
        "official_b": 403,
        "admin": ok,
    }


def staff_of_a(ok: int, *, page: bool = False) -> dict[str, int]:
    return {
        "anonymous": 302 if page else 401,
        "resident_a": 403,
        "official_a": ok,
        "official_b": 403,
        "admin": ok,
    }


def everyone(ok: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, ok)


INVITE = {"email": "new@example.vn", "communes": ["xa-a"]}
ROUTES = [
    # JSON API
    Route("POST", "/api/v1/communes/import", admin_only(200), data=CSV, content_type="text/csv"),
    Route("PATCH", "/api/v1/communes/xa-a", admin_only(200), json={"district": "Huyện X"}),
    Route("POST", "/api/v1/communes/xa-a/rotate-token", admin_only(200)),
    Route("GET", "/api/v1/communes/xa-a/officials", admin_only(200)),
    Route("DELETE", "/api/v1/communes/xa-a/officials/{official_a}", admin_only(204)),
    Route("DELETE", "/api/v1/officials/{official_a}", admin_only(200)),
    Route("POST", "/api/v1/invites", admin_only(201), json=INVITE),
    Route("GET", "/api/v1/invites", admin_only(200)),
    Route("DELETE", "/api/v1/invites/{invitation}", admin_only(204)),
    Route("GET", "/api/v1/stats", admin_only(200)),
    Route("GET", "/api/v1/communes/xa-a/stats", staff_of_a(200)),
    Route("GET", "/api/v1/communes/xa-a/stats/public", everyone(200)),
    # pages
    Route(
        "GET",
        "/admin",
        {"anonymous": 302, "resident_a": 403, "official_a": 200, "official_b": 200, "admin": 200},
    ),
    Route("POST", "/admin/communes", admin_only(303, page=True), data={"name": "Xã Mới"}),
    Route("GET", "/admin/communes/xa-a", admin_only(200, page=True)),
    Route(
        "POST",
        "/admin/communes/xa-a",
        admin_only(303, page=True),
        data={"name": "Xã A", "code": "", "district": "", "province": ""},
    ),
    Route("POST", "/admin/communes/xa-a/rotate-token", admin_only(303, page=True)),
    Route("POST", "/admin/communes/xa-a/officials/{official_a}/revoke", admin_only(303, page=True)),
    Route("GET", "/admin/import", admin_only(200, page=True)),
    Route("POST", "/admin/import", admin_only(200, page=True), data={"csv": CSV}),
    Route("GET", "/admin/invites", admin_only(200, page=True)),
    Route(
        "POST",
        "/admin/invites",
        admin_only(201, page=True),
        data={"email": "new@example.vn", "communes": "xa-a"},
    ),
    Route("POST", "/admin/invites/{invitation}/revoke", admin_only(303, page=True)),
    Route("GET", "/admin/stats", admin_only(200, page=True)),
    Route("GET", "/admin/stats.csv", admin_only(200, page=True)),
    Route("GET", "/admin/boards.pdf", admin_only(200, page=True)),
    Route("GET", "/communes/xa-a/stats", staff_of_a(200, page=True)),
    Route("GET", "/communes/xa-a/board", staff_of_a(200)),
    Route("GET", "/communes/xa-a/board.pdf", staff_of_a(200)),
    Route("GET", "/c/xa-a/stats", everyone(200)),
    Route("GET", "/invite/{token}", everyone(200)),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_roles(app, world, route: Route) -> None:
    created = world["admin"].post("/api/v1/invites", json=INVITE).get_json()
    ids = {
        "official_a": db.session.scalar(
            select(Account.id).where(Account.email == "official.a@example.vn")
        ),
        "invitation": created["id"],
        "token": created["invite_url"].rsplit("/", 1)[1],
    }
    clients = {"anonymous": app.test_client(), **{name: world[name] for name in ACTORS[1:]}}
    path = route.path.format(**ids)
    observed = {}
    # The admin goes last: its call may change what the others would see.
    for actor in ACTORS:
        kwargs: dict[str, Any] = {}
        if route.json is not None:
            kwargs["json"] = route.json
        if route.data is not None:
            kwargs["data"] = route.data
        if route.content_type is not None:
            kwargs["content_type"] = route.content_type
        response = clients[actor].open(path, method=route.method, **kwargs)
        db.session.rollback()
        observed[actor] = response.status_code
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    assert observed == route.statuses


def test_residents_never_see_admin_links(world):
    page = world["resident_a"].get("/")
    assert "/admin/" not in page.text
