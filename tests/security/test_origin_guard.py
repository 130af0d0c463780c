"""The cross-site request forgery guard: state changes need our Origin (moved from
tests/api/test_authorization.py); in the authorization matrix's world, restored after each
accepted request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.accounts.models import Account
from app.extensions import db
from tests.authorization.declarations import (
    ACK,
    ANNOUNCE,
    ANNOUNCEMENTS,
    ASK,
    COMMUNES,
    REPLY,
    SUCCESS,
    THREADS_OF_A,
    Effect,
    changes_of,
    replies_to,
    rows,
)
from tests.authorization.test_matrix import envelope_problem
from tests.authorization.world import World, build
from tests.conftest import BASE_URL, PASSWORD


@pytest.fixture(scope="module")
def world(module_app: Flask) -> Iterator[World]:
    yield build(module_app)


def call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    response = client.open(path, method=method, **kwargs)
    db.session.rollback()
    return response


def send_without_origin(client: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    """Skip OriginClient's default Origin header (it is added in ``OriginClient.open``)."""
    response = FlaskClient.open(client, path, method=method, **kwargs)
    db.session.rollback()
    return response


@dataclass(frozen=True)
class Unsafe:
    """A state-changing request that succeeds when it carries our Origin."""

    name: str
    actor: str
    method: str
    path: str
    json: dict[str, Any]
    effect: Effect


UNSAFE = [
    Unsafe("ask", "author", "POST", "/api/v1/communes/xa-a/threads", ASK, THREADS_OF_A),
    Unsafe(
        "reply", "author", "POST", "/api/v1/threads/{public}/replies", REPLY, replies_to("public")
    ),
    Unsafe("status", "official_a", "PATCH", "/api/v1/threads/{public}", ACK, changes_of("public")),
    Unsafe(
        "announce",
        "official_a",
        "POST",
        "/api/v1/communes/xa-a/announcements",
        ANNOUNCE,
        ANNOUNCEMENTS,
    ),
    Unsafe(
        "create commune",
        "admin",
        "POST",
        "/api/v1/communes",
        {"slug": "xa-c", "name": "Xã C"},
        COMMUNES,
    ),
]

FOREIGN_ORIGINS = [
    "https://evil.example",
    "null",
    "https://feedback.test",  # our host, another scheme
    "http://feedback.test:8080",  # our host, another port
    "http://feedback.test.evil.example",
]


def assert_csrf_refusal(response: Any) -> None:
    assert response.status_code == 403, response.data[:200]
    assert envelope_problem(response) is None


@pytest.mark.parametrize("unsafe", UNSAFE, ids=lambda unsafe: unsafe.name)
def test_state_change_without_origin_is_refused(world: World, unsafe: Unsafe) -> None:
    before = unsafe.effect(world.ids)
    client = world.clients[unsafe.actor]
    path = unsafe.path.format(**world.ids)
    assert_csrf_refusal(send_without_origin(client, unsafe.method, path, json=unsafe.json))
    # A same-origin Referer is not enough for the JSON API: it requires Origin.
    referer = {"Referer": f"{BASE_URL}/c/xa-a"}
    assert_csrf_refusal(
        send_without_origin(client, unsafe.method, path, json=unsafe.json, headers=referer)
    )
    assert unsafe.effect(world.ids) == before


@pytest.mark.parametrize("unsafe", UNSAFE, ids=lambda unsafe: unsafe.name)
def test_state_change_from_foreign_origin_is_refused(world: World, unsafe: Unsafe) -> None:
    before = unsafe.effect(world.ids)
    for origin in FOREIGN_ORIGINS:
        response = call(
            world.clients[unsafe.actor],
            unsafe.method,
            unsafe.path.format(**world.ids),
            json=unsafe.json,
            headers={"Origin": origin},
        )
        assert response.status_code == 403, (origin, response.data[:200])
        assert envelope_problem(response) is None
    assert unsafe.effect(world.ids) == before


@pytest.mark.parametrize("unsafe", UNSAFE, ids=lambda unsafe: unsafe.name)
def test_state_change_from_our_own_origin_is_accepted(world: World, unsafe: Unsafe) -> None:
    before = unsafe.effect(world.ids)
    try:
        response = call(
            world.clients[unsafe.actor],
            unsafe.method,
            unsafe.path.format(**world.ids),
            json=unsafe.json,
            headers={"Origin": BASE_URL},
        )
        assert response.status_code in SUCCESS, response.get_json()
        assert unsafe.effect(world.ids) == before + 1
    finally:
        world.restore()


def test_the_requests_own_origin_is_accepted(world: World) -> None:
    """The contract also accepts "the same origin as the request" (the test client's host)."""
    try:
        response = call(
            world.clients["author"],
            "POST",
            "/api/v1/communes/xa-a/threads",
            json=ASK,
            headers={"Origin": "http://localhost"},
        )
        assert response.status_code == 201, response.get_json()
    finally:
        world.restore()


def test_login_and_join_need_our_origin_too(world: World) -> None:
    visitor = world.app.test_client()
    credentials = {"email": "official.a@example.vn", "password": PASSWORD}
    accounts_before = rows(Account)(world.ids)

    assert_csrf_refusal(
        send_without_origin(visitor, "POST", "/api/v1/auth/login", json=credentials)
    )
    assert_csrf_refusal(
        call(
            visitor,
            "POST",
            "/api/v1/auth/login",
            json=credentials,
            headers={"Origin": "https://evil.example"},
        )
    )
    assert call(visitor, "GET", "/api/v1/me").get_json()["signed_in"] is False

    token = {"token": world.ids["join_token"]}
    assert_csrf_refusal(send_without_origin(visitor, "POST", "/api/v1/join", json=token))
    assert_csrf_refusal(
        call(
            visitor, "POST", "/api/v1/join", json=token, headers={"Origin": "https://evil.example"}
        )
    )
    assert call(visitor, "GET", "/api/v1/me").get_json()["signed_in"] is False
    assert rows(Account)(world.ids) == accounts_before

    # Signing out is a state change as well.
    official = world.clients["official_a"]
    assert_csrf_refusal(send_without_origin(official, "POST", "/api/v1/auth/logout"))
    assert call(official, "GET", "/api/v1/me").get_json()["signed_in"] is True
    world.restore_cookies()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/communes/xa-a/threads",
        "/api/v1/threads/{public}",
        "/api/v1/communes/xa-a/announcements",
        "/c/xa-a",
        "/t/{public}",
    ],
)
def test_reading_needs_no_origin(world: World, path: str) -> None:
    path = path.format(**world.ids)
    assert send_without_origin(world.clients["author"], "GET", path).status_code == 200
    foreign = {"Origin": "https://evil.example"}
    assert call(world.clients["author"], "GET", path, headers=foreign).status_code == 200
    world.restore_cookies()


def test_page_forms_are_guarded_too(world: World) -> None:
    """Forms: Origin, or (when a browser omits it) a same-origin Referer; nothing else."""
    author = world.clients["author"]
    form = {"body": "Cảm ơn."}
    public = world.ids["public"]
    path = f"/t/{public}/replies"
    replies = replies_to("public")
    before = replies(world.ids)
    refused = [
        send_without_origin(author, "POST", path, data=form),
        send_without_origin(
            author, "POST", path, data=form, headers={"Referer": "https://evil.example/x"}
        ),
        call(author, "POST", path, data=form, headers={"Origin": "https://evil.example"}),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert replies(world.ids) == before
    try:
        accepted = send_without_origin(
            author, "POST", path, data=form, headers={"Referer": f"{BASE_URL}/t/{public}"}
        )
        assert accepted.status_code == 303
        assert replies(world.ids) == before + 1
    finally:
        world.restore()
