"""Schemathesis against ``/api/v1/openapi.json``: every operation, as four people.

Each operation is called with generated requests as an anonymous visitor, a resident of commune
A, an official of A and an admin, each with a real session cookie (from the real join and login
routes) and the same-origin Origin header a browser sends. Most requests point their path at
commune A's real objects, so that permissions and successes are exercised and not only 404s;
some have generated paths, some carry invalid (negative) data, and a few operations also get a
real body (a join token, credentials, a push subscription) so that their successes are checked.
Every answer must not be a server error, and must have a documented status, content type and
headers, and a body that conforms to the documented schema.

The run has its own app and database per backend: generated requests create, change and delete
freely there, never in the session app the other tests share. The database is emptied and the
people and objects are made again before each operation, so no operation depends on what an
earlier one did (a deleted canned reply, a member stopped from posting).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app import create_app
from app.accounts.models import Account
from app.accounts.passwords import hash_password
from app.api import api_app
from app.api.openapi import build_document
from app.communes.services import create_commune
from app.extensions import db
from app.membership.services import add_official
from app.threads.models import Category
from tests.conftest import BASE_URL, PASSWORD, OriginClient, _empty_tables
from tests.databases import postgres_for_test

# Examples per operation and person. 72 operations x 4 people x 12 examples (fewer where the
# inputs run out) is about 3,000 requests: well under two minutes per backend on two cores.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PEOPLE = ("anonymous", "resident", "official", "admin")
COOKIE = "cf_session"
ORIGIN = {"Origin": BASE_URL}
# Schemathesis asks for gzip as a browser does, but its WSGI transport does not decompress.
HEADERS = {**ORIGIN, "Accept-Encoding": "identity"}
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in build_document(api_app())["paths"].items()
    for method in item
)


def _push_subscription() -> dict[str, Any]:
    """What a browser's PushSubscription.toJSON() gives, for an allowed push service."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    endpoint = f"https://fcm.googleapis.com/fcm/send/{secrets.token_urlsafe(16)}"
    return {
        "endpoint": endpoint,
        "keys": {"p256dh": b64(point), "auth": b64(secrets.token_bytes(16))},
    }


def _real_body(method: str, path: str, objects: dict[str, Any]) -> tuple[Any, str] | None:
    """A body that gets through, (body, media type), for operations that generated data
    (almost) never passes: their successes are checked too."""
    if (method, path) == ("POST", "/communes/import"):
        return "code,name,district\n32014,Xã C,Huyện U\n", "text/csv"
    bodies = {
        ("POST", "/join"): {"token": objects["join_token"], "display_name": "Bà Tư"},
        ("POST", "/auth/login"): {"email": "official@example.vn", "password": PASSWORD},
        ("POST", "/auth/password"): {"current_password": PASSWORD, "new_password": "x" * 12},
        ("POST", "/invites"): {"email": "moi@example.vn", "communes": ["xa-a"]},
        ("POST", "/invites/{token}/accept"): {"display_name": "Cán bộ", "password": "x" * 12},
        ("POST", "/push/subscriptions"): _push_subscription(),
    }
    body = bodies.get((method, path))
    return None if body is None else (body, "application/json")


@dataclass
class World:
    """The run's app and schema; the people's session cookies and commune A's real objects
    (made again for every operation)."""

    app: Flask
    schema: Any
    cookies: dict[str, str | None] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'run.sqlite3'}"
        else:
            url = stack.enter_context(postgres_for_test())
        app = _app(url, tmp_path_factory)
        stack.callback(_dispose, app)
        config = schemathesis.Config.from_dict(
            # The session cookie is the person's own, never a generated one.
            {"generation": {"with-security-parameters": False}}
        )
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
        started = time.monotonic()
        yield World(app, schema)
        # Shown with -s: the budget is about two minutes per backend.
        print(f"\nschemathesis on {request.param}: {time.monotonic() - started:.0f} s")


def _app(url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    with pytest.MonkeyPatch.context() as patch:
        # Photos and keys of this run go to a folder of its own.
        patch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("schemathesis-instance")))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
                "SQLALCHEMY_DATABASE_URI": url,
                "BASE_URL": BASE_URL,
                "RATE_LIMITS_ENABLED": False,
                "VAPID_PRIVATE_KEY_PATH": str(tmp_path_factory.mktemp("keys") / "vapid.pem"),
            }
        )
    app.test_client_class = OriginClient  # the set-up's own requests carry the Origin header
    with app.app_context():
        db.create_all()
    return app


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _staff(email: str, *, admin: bool = False, communes: tuple = ()) -> Account:
    account = Account(
        email=email, password_hash=hash_password(PASSWORD), is_admin=admin, display_name="Cán bộ"
    )
    db.session.add(account)
    db.session.flush()
    for commune in communes:
        add_official(account, commune)
    db.session.commit()
    return account


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _remake(world: World) -> None:
    """Empty the database; sign everyone in through the real routes; make one of each object."""
    app = world.app
    with app.app_context():
        _empty_tables()
        a = create_commune("xa-a", "Xã A")
        create_commune("xa-b", "Xã B")
        db.session.commit()
        _staff("admin@example.vn", admin=True)
        official_id = _staff("official@example.vn", communes=(a,)).id
        join_token = a.join_token
        category = db.session.scalar(
            select(Category.id).where(Category.commune_id == a.id).limit(1)
        )
    clients = {name: app.test_client() for name in ("resident", "neighbour", "official", "admin")}
    for name in ("resident", "neighbour"):
        _ok(clients[name].post("/api/v1/join", json={"token": join_token}), 201)
    for name in ("official", "admin"):
        login = {"email": f"{name}@example.vn", "password": PASSWORD}
        _ok(clients[name].post("/api/v1/auth/login", json=login))
    resident, official, admin = clients["resident"], clients["official"], clients["admin"]

    ask = {"kind": "report", "title": "Ngập hẻm 5", "body": "Nước ngập tới gối"}
    thread = _ok(resident.post("/api/v1/communes/xa-a/threads", json=ask), 201)
    answer = {"body": "Đã nhận"}
    reply = _ok(official.post(f"/api/v1/threads/{thread['id']}/replies", json=answer), 201)
    flag = {"reason": "trùng"}
    _ok(clients["neighbour"].post(f"/api/v1/threads/{thread['id']}/flag", json=flag), 201)
    news = {"title": "Họp dân", "body": "Tối thứ Bảy"}
    announcement = _ok(official.post("/api/v1/communes/xa-a/announcements", json=news), 201)
    canned = {"title": "Cảm ơn", "body": "Cảm ơn bác"}
    canned = _ok(official.post("/api/v1/communes/xa-a/canned-replies", json=canned), 201)
    invite = {"email": "moi@example.vn", "communes": ["xa-a"]}
    invite = _ok(admin.post("/api/v1/invites", json=invite), 201)
    client = _ok(admin.post("/api/v1/open311/clients", json={"name": "Ứng dụng"}), 201)
    day_off = {"day": "2027-03-09", "name": "Bão"}
    _ok(admin.post("/api/v1/provinces/91/days-off", json=day_off), 201)
    world.objects = {
        "slug": "xa-a",
        "thread_id": thread["id"],
        "reply_id": reply["id"],
        "announcement_id": announcement["id"],
        "canned_id": canned["id"],
        "category_id": category,
        "member_id": _ok(resident.get("/api/v1/me"))["id"],
        "account_id": official_id,
        "invitation_id": invite["id"],
        "token": invite["invite_url"].rsplit("/", 1)[1],
        "client_id": client["id"],
        "join_token": join_token,
        "code": "91",  # a province of the 2025 list, with one day off
        "day": "2027-03-09",
    }
    world.cookies = {"anonymous": None}
    for name in ("resident", "official", "admin"):
        cookie = clients[name].get_cookie(COOKIE)
        assert cookie is not None
        world.cookies[name] = cookie.value


def _strategy(world: World, method: str, path: str) -> st.SearchStrategy:
    """Three in four requests at real objects; some with invalid data; real bodies where set."""
    operation = world.schema[path][method]
    real = {name: world.objects[name] for name in re.findall(r"{(\w+)}", path)}
    at_real = operation.as_strategy(path_parameters=real, headers=ORIGIN)
    branches = [
        at_real,
        at_real,
        operation.as_strategy(headers=ORIGIN),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real, headers=ORIGIN),
    ]
    real_body = _real_body(method, path, world.objects)
    if real_body is not None:
        body, media_type = real_body
        branches.append(
            operation.as_strategy(
                path_parameters=real, headers=ORIGIN, body=body, media_type=media_type
            )
        )
    return st.one_of(branches)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_the_document(world: World, method: str, path: str) -> None:
    _remake(world)
    strategy = _strategy(world, method, path)
    failures = []
    for person in PEOPLE:
        try:
            _run(strategy, world.cookies[person])
        except Exception as error:  # every person's failure is reported, not only the first
            failures.append(f"--- as {person}:\n{error}")
    assert not failures, "\n".join(failures)


def _run(strategy: st.SearchStrategy, cookie: str | None) -> None:
    """Send and check ``EXAMPLES`` generated requests with this session cookie (or none)."""
    cookies = {COOKIE: cookie} if cookie else None

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        # No shrinking: a failing request is reported as it was sent, and the run stays short.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: Any) -> None:
        case.call_and_validate(headers=HEADERS, cookies=cookies, checks=CHECKS)

    call()
