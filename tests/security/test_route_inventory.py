"""An authorization matrix generated from the app's URL map.

Every route and method must be listed in ACCESS with who may use it; a new route without an
entry fails ``test_every_route_is_classified``. Then, for every route, the people who must be
refused are tried with the route's parameters pointing at commune A's real objects: they must get
401, 403, 404 or a redirect to sign-in — never a success, never a server error, and never a
validation answer that shows the route acted on their input.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.threads.models import Category
from tests.conftest import build_world, new_staff, sign_in

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # anyone signed in (acts on their own account)
MEMBER = "member"  # a member (resident or official) of the commune in the path
OFFICIAL = "official"  # an official of the commune in the path
STAFF = "staff"  # an admin, or an official of the commune in the path
ADMIN = "admin"
OWN_COMMUNES = "own_communes"  # staff, answered with their own communes only (no slug in path)
CAPABILITY = "capability"  # whoever holds the link or key (join, invitation, Open311 api_key)

ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/admin"): OWN_COMMUNES,
    ("GET", "/admin/boards.pdf"): ADMIN,
    ("POST", "/admin/communes"): ADMIN,
    ("GET", "/admin/communes/<slug>"): ADMIN,
    ("POST", "/admin/communes/<slug>"): ADMIN,
    ("POST", "/admin/communes/<slug>/officials/<id:account_id>/revoke"): ADMIN,
    ("POST", "/admin/communes/<slug>/open311"): ADMIN,
    ("POST", "/admin/communes/<slug>/rotate-token"): ADMIN,
    ("POST", "/admin/communes/<slug>/officials/<id:account_id>/second-factor/reset"): ADMIN,
    ("GET", "/admin/import"): ADMIN,
    ("POST", "/admin/import"): ADMIN,
    ("GET", "/admin/invites"): ADMIN,
    ("POST", "/admin/invites"): ADMIN,
    ("POST", "/admin/invites/<id:invitation_id>/revoke"): ADMIN,
    ("GET", "/admin/stats"): ADMIN,
    ("GET", "/admin/stats.csv"): ADMIN,
    ("GET", "/api/v1/announcements/<id:announcement_id>"): MEMBER,
    ("PATCH", "/api/v1/announcements/<id:announcement_id>"): OFFICIAL,
    ("GET", "/api/v1/audit"): OWN_COMMUNES,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("POST", "/api/v1/auth/logout-others"): SIGNED_IN,
    ("POST", "/api/v1/auth/password"): SIGNED_IN,
    ("POST", "/api/v1/auth/totp/setup"): SIGNED_IN,
    ("POST", "/api/v1/auth/totp/confirm"): SIGNED_IN,
    ("POST", "/api/v1/auth/totp/disable"): SIGNED_IN,
    ("DELETE", "/api/v1/accounts/<id:account_id>/second-factor"): ADMIN,
    # Any staff account, about itself (residents get 403).
    ("GET", "/account/security"): SIGNED_IN,
    ("POST", "/account/security/setup"): SIGNED_IN,
    ("POST", "/account/security/confirm"): SIGNED_IN,
    ("POST", "/account/security/disable"): SIGNED_IN,
    ("POST", "/account/security/sign-out-others"): SIGNED_IN,
    ("PATCH", "/api/v1/canned-replies/<id:canned_id>"): OFFICIAL,
    ("DELETE", "/api/v1/canned-replies/<id:canned_id>"): OFFICIAL,
    ("PATCH", "/api/v1/categories/<id:category_id>"): OFFICIAL,
    ("POST", "/api/v1/communes"): ADMIN,
    ("GET", "/api/v1/communes"): OWN_COMMUNES,
    ("PATCH", "/api/v1/communes/<slug>"): ADMIN,
    ("GET", "/api/v1/communes/<slug>/announcements"): MEMBER,
    ("POST", "/api/v1/communes/<slug>/announcements"): OFFICIAL,
    ("GET", "/api/v1/communes/<slug>/assignees"): OFFICIAL,
    ("GET", "/api/v1/communes/<slug>/canned-replies"): OFFICIAL,
    ("POST", "/api/v1/communes/<slug>/canned-replies"): OFFICIAL,
    ("GET", "/api/v1/communes/<slug>/categories"): MEMBER,
    ("POST", "/api/v1/communes/<slug>/categories"): OFFICIAL,
    ("GET", "/api/v1/communes/<slug>/flags"): OFFICIAL,
    ("GET", "/api/v1/communes/<slug>/members"): OFFICIAL,
    ("PUT", "/api/v1/communes/<slug>/members/<id:member_id>/block"): OFFICIAL,
    ("DELETE", "/api/v1/communes/<slug>/members/<id:member_id>/block"): OFFICIAL,
    ("DELETE", "/api/v1/communes/<slug>/membership"): MEMBER,
    ("GET", "/api/v1/communes/<slug>/notifications"): MEMBER,
    ("PUT", "/api/v1/communes/<slug>/notifications"): MEMBER,
    ("GET", "/api/v1/communes/<slug>/officials"): ADMIN,
    ("DELETE", "/api/v1/communes/<slug>/officials/<id:account_id>"): ADMIN,
    ("POST", "/api/v1/communes/<slug>/rotate-token"): ADMIN,
    ("GET", "/api/v1/communes/<slug>/similar"): MEMBER,
    ("GET", "/api/v1/communes/<slug>/stats"): STAFF,
    ("GET", "/api/v1/communes/<slug>/stats/public"): PUBLIC,
    ("GET", "/api/v1/communes/<slug>/threads"): MEMBER,
    ("POST", "/api/v1/communes/<slug>/threads"): MEMBER,
    ("POST", "/api/v1/communes/import"): ADMIN,
    ("GET", "/api/v1/inbox"): OWN_COMMUNES,
    ("POST", "/api/v1/invites"): ADMIN,
    ("GET", "/api/v1/invites"): ADMIN,
    ("DELETE", "/api/v1/invites/<id:invitation_id>"): ADMIN,
    ("POST", "/api/v1/invites/<token>/accept"): CAPABILITY,
    ("POST", "/api/v1/join"): CAPABILITY,
    ("GET", "/api/v1/me"): PUBLIC,
    ("DELETE", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/me/export"): SIGNED_IN,
    ("DELETE", "/api/v1/officials/<id:account_id>"): ADMIN,
    ("POST", "/api/v1/open311/clients"): ADMIN,
    ("GET", "/api/v1/open311/clients"): ADMIN,
    ("DELETE", "/api/v1/open311/clients/<id:client_id>"): ADMIN,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/push/key"): PUBLIC,
    ("POST", "/api/v1/push/subscriptions"): SIGNED_IN,
    ("DELETE", "/api/v1/push/subscriptions"): SIGNED_IN,
    ("POST", "/api/v1/replies/<id:reply_id>/flag"): MEMBER,
    ("POST", "/api/v1/replies/<id:reply_id>/hide"): OFFICIAL,
    ("POST", "/api/v1/replies/<id:reply_id>/restore"): OFFICIAL,
    ("GET", "/api/v1/stats"): ADMIN,
    ("GET", "/api/v1/threads/<id:thread_id>"): MEMBER,
    ("PATCH", "/api/v1/threads/<id:thread_id>"): OFFICIAL,
    ("PUT", "/api/v1/threads/<id:thread_id>/assignee"): OFFICIAL,
    ("PUT", "/api/v1/threads/<id:thread_id>/category"): OFFICIAL,
    ("POST", "/api/v1/threads/<id:thread_id>/flag"): MEMBER,
    ("POST", "/api/v1/threads/<id:thread_id>/follow"): MEMBER,
    ("DELETE", "/api/v1/threads/<id:thread_id>/follow"): MEMBER,
    # Issue 14: the author only (others of the commune 403), once per resolution.
    ("POST", "/api/v1/threads/<id:thread_id>/confirmation"): MEMBER,
    ("POST", "/api/v1/threads/<id:thread_id>/support"): MEMBER,
    ("DELETE", "/api/v1/threads/<id:thread_id>/support"): MEMBER,
    ("POST", "/api/v1/threads/<id:thread_id>/hide"): OFFICIAL,
    ("GET", "/api/v1/threads/<id:thread_id>/notes"): OFFICIAL,
    ("POST", "/api/v1/threads/<id:thread_id>/notes"): OFFICIAL,
    ("POST", "/api/v1/threads/<id:thread_id>/replies"): MEMBER,
    ("POST", "/api/v1/threads/<id:thread_id>/restore"): OFFICIAL,
    ("GET", "/assets/<digest>/<path:filename>"): PUBLIC,
    ("GET", "/c/<slug>"): MEMBER,
    ("POST", "/c/<slug>/announcements"): OFFICIAL,
    ("GET", "/c/<slug>/inbox"): OFFICIAL,
    ("POST", "/c/<slug>/leave"): MEMBER,
    ("GET", "/c/<slug>/settings"): MEMBER,
    ("POST", "/c/<slug>/settings"): MEMBER,
    ("GET", "/c/<slug>/stats"): PUBLIC,
    ("POST", "/c/<slug>/threads"): MEMBER,
    ("GET", "/communes/<slug>/board"): STAFF,
    ("GET", "/communes/<slug>/board.pdf"): STAFF,
    ("GET", "/communes/<slug>/board.png"): STAFF,
    ("GET", "/communes/<slug>/board.svg"): STAFF,
    ("GET", "/communes/<slug>/stats"): STAFF,
    ("GET", "/invite/<token>"): CAPABILITY,
    ("POST", "/invite/<token>"): CAPABILITY,
    ("GET", "/j/<token>"): CAPABILITY,
    ("POST", "/j/<token>"): CAPABILITY,
    ("GET", "/lang/<code>"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/manifest.webmanifest"): PUBLIC,
    ("GET", "/offline"): PUBLIC,
    ("GET", "/open311/v2/discovery.<fmt>"): PUBLIC,
    ("POST", "/open311/v2/requests.<fmt>"): CAPABILITY,
    ("GET", "/open311/v2/requests.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/requests/<request_id>.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/services.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/services/<code>.<fmt>"): PUBLIC,
    ("GET", "/open311/v2/tokens/<token>.<fmt>"): PUBLIC,
    ("GET", "/photos/<name>"): MEMBER,
    ("GET", "/static/<path:filename>"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,
    ("GET", "/t/<id:thread_id>"): MEMBER,
    ("POST", "/t/<id:thread_id>/replies"): MEMBER,
    ("POST", "/t/<id:thread_id>/status"): OFFICIAL,
    # Issue 14: the author only (others 403); "me too" on a public thread.
    ("POST", "/t/<id:thread_id>/confirmation"): MEMBER,
    ("POST", "/t/<id:thread_id>/support"): MEMBER,
    ("GET", "/w/"): OWN_COMMUNES,
    ("GET", "/w/<slug>"): OFFICIAL,
    ("GET", "/w/<slug>/announcements"): OFFICIAL,
    ("POST", "/w/<slug>/announcements"): OFFICIAL,
    ("POST", "/w/<slug>/announcements/<id:announcement_id>"): OFFICIAL,
    ("GET", "/w/<slug>/audit"): OFFICIAL,
    ("GET", "/w/<slug>/canned"): OFFICIAL,
    ("POST", "/w/<slug>/canned"): OFFICIAL,
    ("GET", "/w/<slug>/categories"): OFFICIAL,
    ("POST", "/w/<slug>/categories"): OFFICIAL,
    ("POST", "/w/<slug>/categories/<id:category_id>"): OFFICIAL,
    ("POST", "/w/<slug>/members/<id:member_id>/block"): OFFICIAL,
    ("POST", "/w/<slug>/members/<id:member_id>/unblock"): OFFICIAL,
    ("GET", "/w/<slug>/moderation"): OFFICIAL,
    ("POST", "/w/<slug>/moderation/<kind>/<id:post_id>"): OFFICIAL,
    ("GET", "/w/<slug>/similar"): MEMBER,
    ("POST", "/w/canned/<id:canned_id>"): OFFICIAL,
    ("POST", "/w/canned/<id:canned_id>/delete"): OFFICIAL,
    ("POST", "/w/r/<id:reply_id>/flag"): MEMBER,
    ("POST", "/w/r/<id:reply_id>/hide"): OFFICIAL,
    ("POST", "/w/r/<id:reply_id>/restore"): OFFICIAL,
    ("GET", "/w/t/<id:thread_id>"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/assignee"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/category"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/flag"): MEMBER,
    ("POST", "/w/t/<id:thread_id>/follow"): MEMBER,
    ("POST", "/w/t/<id:thread_id>/hide"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/notes"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/replies"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/restore"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/status"): OFFICIAL,
    ("POST", "/w/t/<id:thread_id>/unfollow"): MEMBER,
}

# Who must be refused, for each kind of route (about commune A).
REFUSED = {
    SIGNED_IN: ("anonymous",),
    MEMBER: ("anonymous", "resident_b", "official_b"),
    OFFICIAL: ("anonymous", "resident_a2", "resident_b", "official_b"),
    STAFF: ("anonymous", "resident_a2", "resident_b", "official_b"),
    ADMIN: ("anonymous", "resident_a2", "official_a", "official_b"),
    OWN_COMMUNES: ("anonymous", "resident_a2", "resident_b"),
}
REFUSALS = {401, 403, 404, 405}
# An admin of another province: commune A and everything in it are outside their area.
OUTSIDE_AREA = "admin_elsewhere"


def _url_map_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_is_classified(session_app):
    routes = _url_map_routes(session_app)
    missing = sorted(routes - ACCESS.keys())
    assert not missing, f"routes without an access entry in this file: {missing}"
    stale = sorted(ACCESS.keys() - routes)
    assert not stale, f"entries for routes that no longer exist: {stale}"


def _objects(app: Flask, world: dict[str, Any]) -> dict[str, Any]:
    """Real objects of commune A, so that refused callers hit real rows."""
    resident, official, admin = world["resident_a"], world["official_a"], world["admin"]
    world["a"].province = "An Giang"
    new_staff("admin.elsewhere@example.vn", admin=True).admin_province = "Cà Mau"
    db.session.commit()
    world[OUTSIDE_AREA] = sign_in(app, "admin.elsewhere@example.vn")
    thread = resident.post(
        "/api/v1/communes/xa-a/threads",
        json={"kind": "report", "body": "Đường hỏng", "visibility": "public"},
    ).get_json()["id"]
    reply = official.post(f"/api/v1/threads/{thread}/replies", json={"body": "Đã nhận"})
    announcement = official.post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân"}
    )
    canned = official.post(
        "/api/v1/communes/xa-a/canned-replies", json={"title": "Cảm ơn", "body": "Cảm ơn bác"}
    )
    invitation = admin.post(
        "/api/v1/invites", json={"email": "moi@example.vn", "communes": ["xa-a"]}
    )
    client = admin.post("/api/v1/open311/clients", json={"name": "Ứng dụng"})
    category = db.session.scalar(
        select(Category.id).where(Category.commune_id == world["a"].id).limit(1)
    )
    return {
        "slug": "xa-a",
        "thread_id": thread,
        "post_id": thread,
        "reply_id": reply.get_json()["id"],
        "announcement_id": announcement.get_json()["id"],
        "canned_id": canned.get_json()["id"],
        "category_id": category,
        "member_id": resident.get("/api/v1/me").get_json()["id"],
        "account_id": official.get("/api/v1/me").get_json()["id"],
        "invitation_id": invitation.get_json()["id"],
        "client_id": client.get_json()["id"],
        "kind": "thread",
        "name": "unknown.jpg",
    }


def _scene(app: Flask) -> tuple[dict[str, Any], dict[str, Any]]:
    world = build_world(app)
    objects = _objects(app, world)
    # The security headers test visits every page (``/lang/en`` included) with a client of
    # its own, so that the others' clients keep their cookies as they were.
    world["header_reader"] = sign_in(app, "official.a@example.vn")
    return world, objects


@pytest.fixture
def scene(shared) -> tuple[dict[str, Any], dict[str, Any]]:
    """Commune A's people and objects, made once for the module's tests: refused requests
    change nothing, so they can share them."""
    return shared("route inventory", _scene)


def _fill(rule: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", value, rule)


GUARDED = sorted(key for key, access in ACCESS.items() if access in REFUSED)


@pytest.mark.parametrize(("method", "rule"), GUARDED, ids=[f"{m} {r}" for m, r in GUARDED])
def test_those_without_access_are_refused(module_app, scene, method, rule):
    world, objects = scene
    path = _fill(rule, objects)
    problems = []
    refused = REFUSED[ACCESS[(method, rule)]]
    if ACCESS[(method, rule)] in (ADMIN, STAFF) and "<" in rule:
        refused = (*refused, OUTSIDE_AREA)  # about commune A: not theirs to manage
    for who in refused:
        client = module_app.test_client() if who == "anonymous" else world[who]
        if path.startswith("/api/"):
            response = client.open(path, method=method, json={})
        else:
            response = client.open(path, method=method, data={})
        status = response.status_code
        redirected_to_login = status in (302, 303) and "/login" in response.headers.get(
            "Location", ""
        )
        if status not in REFUSALS and not redirected_to_login:
            problems.append(f"{who}: {status}")
    assert not problems, f"{method} {path}: {problems}"


def test_own_commune_lists_leak_nothing_of_another_commune(scene):
    """Lists without a commune in the path show an official of B nothing of commune A."""
    world, objects = scene
    official_b = world["official_b"]
    communes = official_b.get("/api/v1/communes").get_json()["items"]
    assert [c["slug"] for c in communes] == ["xa-b"]
    inbox = official_b.get("/api/v1/inbox").get_json()
    assert objects["thread_id"] not in [item["id"] for item in inbox["items"]]
    audit = official_b.get("/api/v1/audit").get_json()
    assert all(event.get("commune") != "xa-a" for event in audit["items"])
    assert official_b.get("/api/v1/audit?commune=xa-a").status_code in (403, 404)
    assert "Đường hỏng" not in official_b.get("/w/").text
    assert "xa-a" not in official_b.get("/admin").text


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
)
GETS = sorted(rule for method, rule in ACCESS if method == "GET")


@pytest.mark.parametrize("rule", GETS)
def test_every_page_carries_the_security_headers(scene, rule):
    world, objects = scene
    values = {
        **objects,
        "token": "x",
        "code": "en",
        "fmt": "json",
        "request_id": "1",
        "digest": "0",
        "filename": "app.css",
    }
    response = world["header_reader"].get(_fill(rule, values))
    response.close()  # static files are streamed from disk
    assert response.status_code < 500
    for header in SECURITY_HEADERS:
        assert header in response.headers, (rule, header)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_cookies_are_httponly_samesite(client, make_commune):
    commune = make_commune()
    response = client.post("/api/v1/join", json={"token": commune.join_token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_base_url_gives_hsts_and_secure_cookies(app):
    from app import create_app

    secure = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BASE_URL": "https://gop-y.example.vn",
            "SECRET_KEY": "x" * 40,
        }
    )
    response = secure.test_client().get("/login")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    assert secure.config["SESSION_COOKIE_SECURE"] is True
