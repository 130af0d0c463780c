"""Issue 2, point 6: each role against each route, and the cross-site request forgery guard.

The matrix below lists, for every route, the status each actor gets:

- ``anonymous``    -- nobody is signed in
- ``author``       -- resident of commune A who wrote the seeded threads (``resident_a``)
- ``resident_a2``  -- another resident of A (not the author)
- ``resident_b``   -- a resident of commune B
- ``official_a``   -- an official of A
- ``official_b``   -- an official of B
- ``admin``        -- the admin (manages communes; a member of none)

Threads the caller may not see are "not found" (404), so their existence leaks nothing; a
commune the caller does not belong to is "forbidden" (403). Officials' pages send signed-out
visitors to the sign-in page (302); the residents' pages answer them with a page of their own
(401: what this is, scan the board or open the join link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.extensions import db
from app.threads.models import Reply, StatusChange, Thread
from tests.conftest import BASE_URL, PASSWORD

ACTORS = (
    "anonymous",
    "author",
    "resident_a2",
    "resident_b",
    "official_a",
    "official_b",
    "admin",
)
# What a request that did its work answers (303: a page's form, then Post/Redirect/Get).
SUCCESS = frozenset({200, 201, 204, 303})
RESIDENTS_OF_A = ("author", "resident_a2")
MEMBERS_OF_A = (*RESIDENTS_OF_A, "official_a")
OUTSIDERS_OF_A = ("resident_b", "official_b", "admin")


# --- the scene: two communes, their people, and some content in A -------------------------


@dataclass
class Scene:
    clients: dict[str, FlaskClient]
    ids: dict[str, int]
    commune_ids: dict[str, int]


def call(client: FlaskClient, method: str, path: str, **kwargs: Any):
    """One request, then end the database transaction as the end of a real request does.

    The test client shares the test's app context and therefore its session; a request that
    failed half-way must not leave that session broken for the next one.
    """
    response = client.open(path, method=method, **kwargs)
    db.session.rollback()
    return response


def created_id(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def scene(app: Flask, world: dict[str, Any]) -> Scene:
    author = world["resident_a"]
    clients = {
        "anonymous": app.test_client(),
        "author": author,
        "resident_a2": world["resident_a2"],
        "resident_b": world["resident_b"],
        "official_a": world["official_a"],
        "official_b": world["official_b"],
        "admin": world["admin"],
    }

    def ask(client: FlaskClient, slug: str, visibility: str, body: str) -> int:
        payload = {"kind": "question", "body": body, "visibility": visibility}
        return created_id(call(client, "POST", f"/api/v1/communes/{slug}/threads", json=payload))

    ids = {
        "public": ask(author, "xa-a", "public", "Đèn đường hẻm 3 bị hỏng."),
        "private": ask(author, "xa-a", "officials", "Hàng xóm đổ rác ra kênh (riêng tư)."),
        "private_a2": ask(world["resident_a2"], "xa-a", "officials", "Riêng tư của Anh Minh."),
        "public_b": ask(world["resident_b"], "xa-b", "public", "Chuyện của xã B."),
    }
    ids["announcement"] = created_id(
        call(
            world["official_a"],
            "POST",
            "/api/v1/communes/xa-a/announcements",
            json={"title": "Lịch tiêm chủng", "body": "Thứ Bảy tại trạm y tế."},
        )
    )
    return Scene(
        clients=clients,
        ids=ids,
        commune_ids={"a": world["a"].id, "b": world["b"].id},
    )


def count(model: type, *where: Any) -> int:
    """Committed rows only: a fresh connection, outside the test's session."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


# --- the matrix ----------------------------------------------------------------------------


def expect(*, anonymous: int, others: int, **allowed: int) -> dict[str, int]:
    """Everyone gets ``others`` except the anonymous visitor and the actors named."""
    table = dict.fromkeys(ACTORS, others)
    table["anonymous"] = anonymous
    for actor, status in allowed.items():
        assert actor in ACTORS, actor
        table[actor] = status
    return table


def members_of_a(status: int) -> dict[str, int]:
    return dict.fromkeys(MEMBERS_OF_A, status)


def author_and_official(status: int) -> dict[str, int]:
    return {"author": status, "official_a": status}


Payload = dict[str, Any] | Callable[[str], dict[str, Any]] | None


@dataclass(frozen=True)
class Route:
    """One route, the status each actor gets, and what a success adds to the database."""

    name: str
    method: str
    path: str  # formatted with the scene's ids
    expected: dict[str, int]
    json: Payload = None
    form: Payload = None
    # Rows that each successful request adds (and that a refused one must not add).
    effect: Callable[[Scene], int] | None = field(default=None, compare=False)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def is_page(self) -> bool:
        return not self.is_api and not self.path.startswith("/communes/")


def _slug_for(actor: str) -> dict[str, str]:
    return {"slug": f"moi-{actor.replace('_', '-')}", "name": f"Xã mới ({actor})"}


def _threads_of_a(scene: Scene) -> int:
    return count(Thread, Thread.commune_id == scene.commune_ids["a"])


def _replies(key: str) -> Callable[[Scene], int]:
    return lambda scene: count(Reply, Reply.thread_id == scene.ids[key])


def _changes(key: str) -> Callable[[Scene], int]:
    return lambda scene: count(StatusChange, StatusChange.thread_id == scene.ids[key])


def _announcements(_scene: Scene) -> int:
    return count(Announcement)


def _communes(_scene: Scene) -> int:
    return count(Commune)


API = "/api/v1"
ASK = {"kind": "report", "title": "Ổ gà", "body": "Ổ gà trước chợ.", "visibility": "public"}
ANNOUNCE = {"title": "Cúp nước", "body": "Sáng mai cúp nước từ 8 giờ."}
REPLY = {"body": "Cảm ơn, chúng tôi sẽ kiểm tra."}
ACK = {"status": "acknowledged", "note": "Đã tiếp nhận."}

API_ROUTES = [
    Route("me", "GET", f"{API}/me", expect(anonymous=200, others=200)),
    Route("logout", "POST", f"{API}/auth/logout", expect(anonymous=204, others=204)),
    Route(
        "create commune",
        "POST",
        f"{API}/communes",
        expect(anonymous=401, others=403, admin=201),
        json=_slug_for,
        effect=_communes,
    ),
    Route(
        "list communes",
        "GET",
        f"{API}/communes",
        expect(anonymous=401, others=403, admin=200, official_a=200, official_b=200),
    ),
    Route(
        "list threads of A",
        "GET",
        f"{API}/communes/xa-a/threads",
        expect(anonymous=401, others=403, **members_of_a(200)),
    ),
    Route(
        "ask in A",
        "POST",
        f"{API}/communes/xa-a/threads",
        expect(anonymous=401, others=403, **members_of_a(201)),
        json=ASK,
        effect=_threads_of_a,
    ),
    Route(
        "read public thread of A",
        "GET",
        f"{API}/threads/{{public}}",
        expect(anonymous=401, others=404, **members_of_a(200)),
    ),
    Route(
        "read private thread of A",
        "GET",
        f"{API}/threads/{{private}}",
        expect(anonymous=401, others=404, **author_and_official(200)),
    ),
    Route(
        "reply to public thread of A",
        "POST",
        f"{API}/threads/{{public}}/replies",
        expect(anonymous=401, others=404, **members_of_a(201)),
        json=REPLY,
        effect=_replies("public"),
    ),
    Route(
        "reply to private thread of A",
        "POST",
        f"{API}/threads/{{private}}/replies",
        expect(anonymous=401, others=404, **author_and_official(201)),
        json=REPLY,
        effect=_replies("private"),
    ),
    Route(
        "change status of public thread of A",
        "PATCH",
        f"{API}/threads/{{public}}",
        expect(anonymous=401, others=404, author=403, resident_a2=403, official_a=200),
        json=ACK,
        effect=_changes("public"),
    ),
    Route(
        "change status of private thread of A",
        "PATCH",
        f"{API}/threads/{{private}}",
        # The author sees the thread, so is told "forbidden"; others do not even see it.
        expect(anonymous=401, others=404, author=403, official_a=200),
        json=ACK,
        effect=_changes("private"),
    ),
    Route(
        "list announcements of A",
        "GET",
        f"{API}/communes/xa-a/announcements",
        expect(anonymous=401, others=403, **members_of_a(200)),
    ),
    Route(
        "read announcement of A",
        "GET",
        f"{API}/announcements/{{announcement}}",
        expect(anonymous=401, others=403, **members_of_a(200)),
    ),
    Route(
        "announce in A",
        "POST",
        f"{API}/communes/xa-a/announcements",
        expect(anonymous=401, others=403, official_a=201),
        json=ANNOUNCE,
        effect=_announcements,
    ),
]

BOARD_ROUTES = [
    Route(
        f"board of A ({kind})",
        "GET",
        f"/communes/xa-a/board.{kind}",
        expect(anonymous=401, others=403, admin=200, official_a=200),
    )
    for kind in ("png", "svg")
]

PAGE_ROUTES = [
    Route(
        "feed page of A", "GET", "/c/xa-a", expect(anonymous=401, others=403, **members_of_a(200))
    ),
    Route(
        "public thread page of A",
        "GET",
        "/t/{public}",
        expect(anonymous=401, others=404, **members_of_a(200)),
    ),
    Route(
        "private thread page of A",
        "GET",
        "/t/{private}",
        expect(anonymous=401, others=404, **author_and_official(200)),
    ),
    Route(
        "ask form in A",
        "POST",
        "/c/xa-a/threads",
        expect(anonymous=302, others=403, **members_of_a(303)),
        form=ASK,
        effect=_threads_of_a,
    ),
    Route(
        "reply form on public thread of A",
        "POST",
        "/t/{public}/replies",
        expect(anonymous=302, others=404, **members_of_a(303)),
        form=REPLY,
        effect=_replies("public"),
    ),
    Route(
        "reply form on private thread of A",
        "POST",
        "/t/{private}/replies",
        expect(anonymous=302, others=404, **author_and_official(303)),
        form=REPLY,
        effect=_replies("private"),
    ),
    Route(
        "status form on public thread of A",
        "POST",
        "/t/{public}/status",
        expect(anonymous=302, others=404, author=403, resident_a2=403, official_a=303),
        form=ACK,
        effect=_changes("public"),
    ),
    Route(
        "status form on private thread of A",
        "POST",
        "/t/{private}/status",
        expect(anonymous=302, others=404, author=403, official_a=303),
        form=ACK,
        effect=_changes("private"),
    ),
    Route(
        "announcement form in A",
        "POST",
        "/c/xa-a/announcements",
        expect(anonymous=302, others=403, official_a=303),
        form=ANNOUNCE,
        effect=_announcements,
    ),
    Route(
        "admin page",
        "GET",
        "/admin",
        expect(anonymous=302, others=403, admin=200, official_a=200, official_b=200),
    ),
    Route(
        "create commune form",
        "POST",
        "/admin/communes",
        expect(anonymous=302, others=403, admin=303),
        form=_slug_for,
        effect=_communes,
    ),
]

ROUTES = API_ROUTES + BOARD_ROUTES + PAGE_ROUTES


def _payload(payload: Payload, actor: str) -> dict[str, Any] | None:
    return payload(actor) if callable(payload) else payload


def request_as(scene: Scene, actor: str, route: Route):
    kwargs: dict[str, Any] = {}
    if route.json is not None:
        kwargs["json"] = _payload(route.json, actor)
    if route.form is not None:
        kwargs["data"] = _payload(route.form, actor)
    path = route.path.format(**scene.ids)
    return call(scene.clients[actor], route.method, path, **kwargs)


def error_envelope_problem(response) -> str | None:
    """Why ``response`` is not the API's error envelope, or None when it is."""
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"error"}:
        return f"not an error envelope: {response.data[:200]!r}"
    error = body["error"]
    if not isinstance(error, dict):
        return f"error is not an object: {error!r}"
    for key in ("code", "message"):
        if not isinstance(error.get(key), str) or not error[key].strip():
            return f"error.{key} is missing or empty: {error!r}"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_each_role_against_each_route(scene: Scene, route: Route) -> None:
    before = route.effect(scene) if route.effect else None
    observed: dict[str, int] = {}
    problems: list[str] = []
    for actor in ACTORS:
        response = request_as(scene, actor, route)
        observed[actor] = response.status_code
        if route.is_api and response.status_code >= 400:
            problem = error_envelope_problem(response)
            if problem:
                problems.append(f"{actor}: {problem}")
        redirected = route.is_page and actor == "anonymous" and response.status_code == 302
        if redirected and not response.location.startswith("/login"):
            problems.append(f"anonymous is redirected to {response.location}, not /login")

    assert observed == route.expected, f"{route.method} {route.path}"
    assert not problems
    if route.effect is not None:
        successes = sum(1 for status in route.expected.values() if status in SUCCESS)
        assert route.effect(scene) - before == successes, "a refused request changed data"


# --- what each role sees -------------------------------------------------------------------


def all_thread_ids(client: FlaskClient, slug: str) -> list[int]:
    """Every thread id the client can list, walking the cursor one item at a time."""
    ids: list[int] = []
    cursor = ""
    while True:
        response = call(client, "GET", f"/api/v1/communes/{slug}/threads?limit=1&cursor={cursor}")
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        ids.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            return ids
        cursor = page["next_cursor"]


def test_residents_list_public_threads_and_only_their_own_private_ones(scene: Scene) -> None:
    ids = scene.ids
    author = all_thread_ids(scene.clients["author"], "xa-a")
    other = all_thread_ids(scene.clients["resident_a2"], "xa-a")
    official = all_thread_ids(scene.clients["official_a"], "xa-a")

    assert sorted(author) == sorted([ids["public"], ids["private"]])
    assert ids["private_a2"] not in author
    assert sorted(other) == sorted([ids["public"], ids["private_a2"]])
    assert ids["private"] not in other
    assert sorted(official) == sorted([ids["public"], ids["private"], ids["private_a2"]])
    assert all_thread_ids(scene.clients["resident_b"], "xa-b") == [ids["public_b"]]


def test_feed_page_does_not_show_another_residents_private_thread(scene: Scene) -> None:
    page = call(scene.clients["author"], "GET", "/c/xa-a").get_data(as_text=True)
    assert "Riêng tư của Anh Minh." not in page
    assert "Đèn đường hẻm 3 bị hỏng." in page
    official_page = call(scene.clients["official_a"], "GET", "/c/xa-a").get_data(as_text=True)
    assert "Riêng tư của Anh Minh." in official_page


def test_a_hidden_thread_looks_exactly_like_a_missing_one(scene: Scene) -> None:
    outsider = scene.clients["official_b"]
    hidden = call(outsider, "GET", f"/api/v1/threads/{scene.ids['private']}")
    missing = call(outsider, "GET", "/api/v1/threads/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


@pytest.mark.parametrize(
    ("actor", "slugs"),
    [("admin", ["xa-a", "xa-b"]), ("official_a", ["xa-a"]), ("official_b", ["xa-b"])],
)
def test_commune_list_shows_admins_all_and_officials_their_own(
    scene: Scene, actor: str, slugs: list[str]
) -> None:
    response = call(scene.clients[actor], "GET", "/api/v1/communes")
    assert response.status_code == 200
    assert sorted(item["slug"] for item in response.get_json()["items"]) == slugs


@pytest.mark.parametrize(
    ("actor", "communes"),
    [
        ("author", [("xa-a", "resident")]),
        ("resident_b", [("xa-b", "resident")]),
        ("official_a", [("xa-a", "official")]),
        ("official_b", [("xa-b", "official")]),
        ("admin", []),
    ],
)
def test_me_names_only_the_callers_own_communes(
    scene: Scene, actor: str, communes: list[tuple[str, str]]
) -> None:
    me = call(scene.clients[actor], "GET", "/api/v1/me").get_json()
    assert [(item["slug"], item["role"]) for item in me["communes"]] == communes


def test_official_of_b_can_act_on_nothing_of_a(scene: Scene) -> None:
    official_b = scene.clients["official_b"]
    public, private = scene.ids["public"], scene.ids["private"]
    attempts = [
        ("POST", f"/api/v1/threads/{public}/replies", REPLY, 404),
        ("POST", f"/api/v1/threads/{private}/replies", REPLY, 404),
        ("PATCH", f"/api/v1/threads/{public}", ACK, 404),
        ("PATCH", f"/api/v1/threads/{private}", ACK, 404),
        ("POST", "/api/v1/communes/xa-a/announcements", ANNOUNCE, 403),
        ("POST", "/api/v1/communes/xa-a/threads", ASK, 403),
        ("GET", "/communes/xa-a/board.png", None, 403),
        ("GET", "/communes/xa-a/board.svg", None, 403),
        ("GET", "/api/v1/communes/xa-a/threads", None, 403),
        ("GET", f"/api/v1/threads/{private}", None, 404),
    ]
    observed = [
        (method, path, call(official_b, method, path, json=body).status_code)
        for method, path, body, _ in attempts
    ]
    assert observed == [(method, path, status) for method, path, _, status in attempts]

    # Nothing of A changed.
    assert count(Reply) == 0
    assert count(StatusChange) == 0
    assert count(Announcement) == 1
    assert _threads_of_a(scene) == 3
    seen = call(scene.clients["official_a"], "GET", f"/api/v1/threads/{public}").get_json()
    assert seen["status"] == "new"


def test_scanning_a_second_board_opens_that_commune_too(scene: Scene, world) -> None:
    author = scene.clients["author"]
    assert call(author, "GET", "/api/v1/communes/xa-b/threads").status_code == 403
    joined = call(author, "POST", "/api/v1/join", json={"token": world["b"].join_token})
    assert joined.status_code == 201
    assert all_thread_ids(author, "xa-b") == [scene.ids["public_b"]]
    # Still only a resident there: no status changes, no announcements.
    patch = call(author, "PATCH", f"/api/v1/threads/{scene.ids['public_b']}", json=ACK)
    assert patch.status_code == 403


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_boards_are_images_for_those_allowed(scene: Scene, kind: str) -> None:
    mimetype = {"png": "image/png", "svg": "image/svg+xml"}[kind]
    for actor in ("admin", "official_a"):
        response = call(scene.clients[actor], "GET", f"/communes/xa-a/board.{kind}")
        assert response.status_code == 200
        assert response.mimetype == mimetype


# --- cross-site request forgery guard ------------------------------------------------------


def send_without_origin(client: FlaskClient, method: str, path: str, **kwargs: Any):
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
    effect: Callable[[Scene], int]


UNSAFE = [
    Unsafe("ask", "author", "POST", "/api/v1/communes/xa-a/threads", ASK, _threads_of_a),
    Unsafe(
        "reply", "author", "POST", "/api/v1/threads/{public}/replies", REPLY, _replies("public")
    ),
    Unsafe("status", "official_a", "PATCH", "/api/v1/threads/{public}", ACK, _changes("public")),
    Unsafe(
        "announce",
        "official_a",
        "POST",
        "/api/v1/communes/xa-a/announcements",
        ANNOUNCE,
        _announcements,
    ),
    Unsafe(
        "create commune",
        "admin",
        "POST",
        "/api/v1/communes",
        {"slug": "xa-c", "name": "Xã C"},
        _communes,
    ),
]

FOREIGN_ORIGINS = [
    "https://evil.example",
    "null",
    "https://feedback.test",  # our host, another scheme
    "http://feedback.test:8080",  # our host, another port
    "http://feedback.test.evil.example",
]


def assert_csrf_refusal(response) -> None:
    assert response.status_code == 403, response.data[:200]
    assert error_envelope_problem(response) is None


@pytest.mark.parametrize("unsafe", UNSAFE, ids=lambda unsafe: unsafe.name)
def test_state_change_without_origin_is_refused(scene: Scene, unsafe: Unsafe) -> None:
    before = unsafe.effect(scene)
    client = scene.clients[unsafe.actor]
    path = unsafe.path.format(**scene.ids)
    assert_csrf_refusal(send_without_origin(client, unsafe.method, path, json=unsafe.json))
    # A same-origin Referer is not enough for the JSON API: it requires Origin.
    referer = {"Referer": f"{BASE_URL}/c/xa-a"}
    assert_csrf_refusal(
        send_without_origin(client, unsafe.method, path, json=unsafe.json, headers=referer)
    )
    assert unsafe.effect(scene) == before


@pytest.mark.parametrize("unsafe", UNSAFE, ids=lambda unsafe: unsafe.name)
def test_state_change_from_foreign_origin_is_refused(scene: Scene, unsafe: Unsafe) -> None:
    before = unsafe.effect(scene)
    for origin in FOREIGN_ORIGINS:
        response = call(
            scene.clients[unsafe.actor],
            unsafe.method,
            unsafe.path.format(**scene.ids),
            json=unsafe.json,
            headers={"Origin": origin},
        )
        assert response.status_code == 403, (origin, response.data[:200])
        assert error_envelope_problem(response) is None
    assert unsafe.effect(scene) == before


@pytest.mark.parametrize("unsafe", UNSAFE, ids=lambda unsafe: unsafe.name)
def test_state_change_from_our_own_origin_is_accepted(scene: Scene, unsafe: Unsafe) -> None:
    before = unsafe.effect(scene)
    response = call(
        scene.clients[unsafe.actor],
        unsafe.method,
        unsafe.path.format(**scene.ids),
        json=unsafe.json,
        headers={"Origin": BASE_URL},
    )
    assert response.status_code in SUCCESS, response.get_json()
    assert unsafe.effect(scene) == before + 1


def test_the_requests_own_origin_is_accepted(scene: Scene) -> None:
    """The contract also accepts "the same origin as the request" (the test client's host)."""
    response = call(
        scene.clients["author"],
        "POST",
        "/api/v1/communes/xa-a/threads",
        json=ASK,
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 201, response.get_json()


def test_login_and_join_need_our_origin_too(app: Flask, world: dict[str, Any]) -> None:
    visitor = app.test_client()
    credentials = {"email": "official.a@example.vn", "password": PASSWORD}
    accounts_before = count(Account)

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

    token = {"token": world["a"].join_token}
    assert_csrf_refusal(send_without_origin(visitor, "POST", "/api/v1/join", json=token))
    assert_csrf_refusal(
        call(
            visitor, "POST", "/api/v1/join", json=token, headers={"Origin": "https://evil.example"}
        )
    )
    assert call(visitor, "GET", "/api/v1/me").get_json()["signed_in"] is False
    assert count(Account) == accounts_before

    # Signing out is a state change as well.
    official = world["official_a"]
    assert_csrf_refusal(send_without_origin(official, "POST", "/api/v1/auth/logout"))
    assert call(official, "GET", "/api/v1/me").get_json()["signed_in"] is True


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
def test_reading_needs_no_origin(scene: Scene, path: str) -> None:
    path = path.format(**scene.ids)
    assert send_without_origin(scene.clients["author"], "GET", path).status_code == 200
    foreign = {"Origin": "https://evil.example"}
    assert call(scene.clients["author"], "GET", path, headers=foreign).status_code == 200


def test_page_forms_are_guarded_too(scene: Scene) -> None:
    """Forms: Origin, or (when a browser omits it) a same-origin Referer; nothing else."""
    author = scene.clients["author"]
    form = {"body": "Cảm ơn."}
    path = f"/t/{scene.ids['public']}/replies"
    refused = [
        send_without_origin(author, "POST", path, data=form),
        send_without_origin(
            author, "POST", path, data=form, headers={"Referer": "https://evil.example/x"}
        ),
        call(author, "POST", path, data=form, headers={"Origin": "https://evil.example"}),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert _replies("public")(scene) == 0

    accepted = send_without_origin(
        author, "POST", path, data=form, headers={"Referer": f"{BASE_URL}/t/{scene.ids['public']}"}
    )
    assert accepted.status_code == 303
    assert _replies("public")(scene) == 1
