"""Every POST route either declares its limits on the view (``@limited``) or says here why not.

Generated from the app's URL map: a new POST route with neither fails
``test_every_post_route_is_classified``, so a view that creates content cannot ship without a
limit by forgetting it. Routes are named by path (the public contract), not by endpoint, so
moving a view to another blueprint keeps its entry.
"""

from __future__ import annotations

import functools

import pytest
from flask import Flask

from app.ratelimit.declare import KINDS, declared_kind, limited

# What each limited POST route declares (guard.py says what a kind counts).
DECLARED: dict[str, str] = {
    # Content that residents write: questions, reports, replies.
    "/c/<slug>/threads": "post",
    "/t/<id:thread_id>/replies": "post",
    "/api/v1/communes/<slug>/threads": "post",
    "/api/v1/threads/<id:thread_id>/replies": "post",
    # Joining with a commune's QR token.
    "/j/<token>": "join",
    "/api/v1/join": "join",
    # Signing in, and checking a password or code again.
    "/login": "password",
    "/api/v1/auth/login": "password",
    "/login/code": "sign-in-code",
    "/account/security/setup": "code",
    "/account/security/confirm": "code",
    "/account/security/disable": "code",
    "/api/v1/auth/password": "code",
    "/account/password": "code",
    # A reset link's token is not guessable; the address's sign-in budget still applies.
    "/password-reset/<token>": "password",
    "/api/v1/auth/totp/setup": "code",
    "/api/v1/auth/totp/confirm": "code",
    "/api/v1/auth/totp/disable": "code",
    # A resident's transfer or recovery code, typed on another browser.
    "/transfer": "transfer",
    "/api/v1/transfer": "transfer",
}

STAFF = (
    "written by officials or admins only: an admin makes their accounts, they answer from day one"
)
STATE = "changes a state, a setting or the account itself: nothing new that others read"
ONCE = "at most one per member and post (a unique row): repeating it adds nothing"
OPEN311 = "limited per API key inside the view (open311-key, app/open311/routes.py)"
INVITE = "the invitation link is single-use and made by an admin"
CONFIRM = "its author only, once each time an official resolves the thread"

# POST routes without a declared limit, and why.
UNLIMITED: dict[str, str] = {
    "/account/security/sign-out-others": STATE,
    "/admin/communes": STAFF,
    "/admin/communes/<slug>": STAFF,
    "/admin/communes/<slug>/officials/<id:account_id>/revoke": STAFF,
    "/admin/communes/<slug>/officials/<id:account_id>/second-factor/reset": STAFF,
    "/admin/communes/<slug>/officials/<id:account_id>/password-reset": STAFF,
    "/admin/communes/<slug>/open311": STAFF,
    "/admin/communes/<slug>/rotate-token": STAFF,
    "/admin/import": STAFF,
    "/admin/invites": STAFF,
    "/admin/provinces/<code>/days-off": STAFF,
    "/admin/provinces/<code>/days-off/<day>/delete": STAFF,
    "/api/v1/provinces/<code>/days-off": STAFF,
    "/admin/invites/<id:invitation_id>/revoke": STAFF,
    "/api/v1/auth/logout": STATE,
    "/api/v1/auth/logout-others": STATE,
    "/api/v1/me/transfer": STATE,
    "/api/v1/me/recovery-code": STATE,
    "/api/v1/communes": STAFF,
    "/api/v1/communes/<slug>/announcements": STAFF,
    "/api/v1/communes/<slug>/canned-replies": STAFF,
    "/api/v1/communes/<slug>/categories": STAFF,
    "/api/v1/communes/<slug>/rotate-token": STAFF,
    "/api/v1/communes/import": STAFF,
    "/api/v1/invites": STAFF,
    "/api/v1/invites/<token>/accept": INVITE,
    "/api/v1/open311/clients": STAFF,
    "/api/v1/push/subscriptions": STATE,
    "/api/v1/replies/<id:reply_id>/flag": ONCE,
    "/api/v1/replies/<id:reply_id>/hide": STAFF,
    "/api/v1/replies/<id:reply_id>/restore": STAFF,
    "/api/v1/threads/<id:thread_id>/flag": ONCE,
    "/api/v1/threads/<id:thread_id>/follow": ONCE,
    "/api/v1/threads/<id:thread_id>/support": ONCE,
    "/api/v1/threads/<id:thread_id>/confirmation": CONFIRM,
    "/api/v1/threads/<id:thread_id>/hide": STAFF,
    "/api/v1/threads/<id:thread_id>/notes": STAFF,
    "/api/v1/threads/<id:thread_id>/restore": STAFF,
    "/api/v1/threads/<id:thread_id>/duplicate-of": STAFF,
    "/c/<slug>/announcements": STAFF,
    "/c/<slug>/leave": STATE,
    "/c/<slug>/settings": STATE,
    "/c/<slug>/settings/transfer": STATE,
    "/c/<slug>/settings/recovery": STATE,
    "/invite/<token>": INVITE,
    "/logout": STATE,
    "/open311/v2/requests.<fmt>": OPEN311,
    "/t/<id:thread_id>/status": STAFF,
    "/t/<id:thread_id>/support": ONCE,
    "/t/<id:thread_id>/confirmation": CONFIRM,
    "/w/<slug>/announcements": STAFF,
    "/w/<slug>/announcements/<id:announcement_id>": STAFF,
    "/w/<slug>/canned": STAFF,
    "/w/<slug>/categories": STAFF,
    "/w/<slug>/categories/<id:category_id>": STAFF,
    "/w/<slug>/members/<id:member_id>/block": STAFF,
    "/w/<slug>/members/<id:member_id>/unblock": STAFF,
    "/w/<slug>/moderation/<kind>/<id:post_id>": STAFF,
    "/w/canned/<id:canned_id>": STAFF,
    "/w/canned/<id:canned_id>/delete": STAFF,
    "/w/r/<id:reply_id>/flag": ONCE,
    "/w/r/<id:reply_id>/hide": STAFF,
    "/w/r/<id:reply_id>/restore": STAFF,
    "/w/t/<id:thread_id>/assignee": STAFF,
    "/w/t/<id:thread_id>/category": STAFF,
    "/w/t/<id:thread_id>/flag": ONCE,
    "/w/t/<id:thread_id>/follow": ONCE,
    "/w/t/<id:thread_id>/hide": STAFF,
    "/w/t/<id:thread_id>/notes": STAFF,
    "/w/t/<id:thread_id>/replies": STAFF,
    "/w/t/<id:thread_id>/restore": STAFF,
    "/w/t/<id:thread_id>/status": STAFF,
    "/w/t/<id:thread_id>/urgent": STAFF,
    "/w/t/<id:thread_id>/duplicate-of": STAFF,
    "/w/t/<id:thread_id>/unfollow": STATE,
}


def _post_routes(app: Flask) -> dict[str, str | None]:
    """Every POST route's path and the kind its view declares (None: no declaration)."""
    return {
        rule.rule: declared_kind(app.view_functions[rule.endpoint])
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
    }


def test_every_post_route_is_classified(session_app: Flask) -> None:
    routes = _post_routes(session_app)
    unclassified = sorted(set(routes) - set(DECLARED) - set(UNLIMITED))
    assert unclassified == [], (
        "new POST routes: put @limited(...) on the view and add it to DECLARED, "
        "or add it to UNLIMITED with the reason it needs no limit"
    )


def test_no_entry_names_a_route_that_is_gone(session_app: Flask) -> None:
    routes = _post_routes(session_app)
    assert sorted((set(DECLARED) | set(UNLIMITED)) - set(routes)) == []
    assert set(DECLARED).isdisjoint(UNLIMITED)


def test_views_declare_what_is_listed(session_app: Flask) -> None:
    routes = _post_routes(session_app)
    assert {path: routes[path] for path in DECLARED} == DECLARED
    assert {path: routes[path] for path in UNLIMITED} == dict.fromkeys(UNLIMITED)


def test_every_view_that_residents_write_content_with_is_limited(session_app: Flask) -> None:
    # Questions, reports and replies, by any path: each collection a resident posts into.
    routes = _post_routes(session_app)
    content = {
        path
        for path in routes
        if path.endswith(("/threads", "/replies")) and UNLIMITED.get(path) != STAFF
    }
    assert content and {routes[path] for path in content} == {"post"}


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="known: password"):
        limited("posting")  # type: ignore[arg-type]
    assert "post" in KINDS


def test_the_declaration_survives_decorators_above_it() -> None:
    def login_required(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        return wrapper

    @login_required
    @limited("post")
    def ask() -> str:
        return "asked"

    assert declared_kind(ask) == "post" and ask() == "asked"
    assert declared_kind(None) is None
