"""Issue 2: "Anything malformed gets a 4xx with a message that says what was wrong; never a 500."

Every rejected request must answer the JSON error envelope ``{"error": {"code", "message"}}``
with a 4xx status and a non-empty message, and must have created nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.extensions import db
from app.membership.models import Membership
from app.threads.models import Reply, StatusChange, Thread
from tests.conftest import PASSWORD

MISSING = object()  # a field left out of the body


# --- helpers -------------------------------------------------------------------------------


def call(client: FlaskClient, method: str, path: str, **kwargs: Any):
    """One request, then end the database transaction as the end of a real request does.

    The test client shares the test's app context and therefore its session; a request that
    failed half-way must not leave that session broken for the next one.
    """
    response = client.open(path, method=method, **kwargs)
    db.session.rollback()
    return response


def count(model: type) -> int:
    """Committed rows only: a fresh connection, outside the test's session."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def rejection_problem(
    response, status: int | tuple[int, ...] | None = None, field: str | None = None
) -> str | None:
    """What is wrong with ``response`` as a refusal, or None when it is a proper one.

    A proper refusal is a 4xx (``status`` when given) in the JSON error envelope with a
    message, naming ``field`` when given.
    """
    shown = response.data[:200]
    code = response.status_code
    if not 400 <= code < 500:
        return f"answered {code}, not a 4xx: {shown!r}"
    allowed = status if isinstance(status, tuple) else (status,)
    if status is not None and code not in allowed:
        return f"answered {code}, not {status}: {shown!r}"
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return f"not the error envelope: {shown!r}"
    error = body["error"]
    if not isinstance(error.get("code"), str) or not error["code"]:
        return f"no error code: {error!r}"
    if not isinstance(error.get("message"), str) or not error["message"].strip():
        return f"no message: {error!r}"
    if field is not None and error.get("field") != field:
        return f"the error names {error.get('field')!r}, not {field!r}: {error!r}"
    return None


def assert_rejected(response, status: int | tuple[int, ...] | None = None) -> dict[str, Any]:
    """A proper refusal; returns its ``error`` object."""
    problem = rejection_problem(response, status)
    assert problem is None, problem
    return response.get_json()["error"]


def raw_json(client: FlaskClient, method: str, path: str, text: str | bytes, **kwargs: Any):
    """Send ``text`` as the body, exactly as given, declared as JSON."""
    kwargs.setdefault("content_type", "application/json")
    return call(client, method, path, data=text, **kwargs)


# --- the endpoints -------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """A state-changing endpoint, who may call it, a valid body, and what it creates."""

    name: str
    actor: str
    method: str
    path: str  # formatted with the scene's ids
    valid: dict[str, Any]
    creates: tuple[type, ...]


ENDPOINTS = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint(
            "login",
            "anonymous",
            "POST",
            "/api/v1/auth/login",
            {"email": "official.a@example.vn", "password": PASSWORD},
            (),
        ),
        Endpoint(
            "create commune",
            "admin",
            "POST",
            "/api/v1/communes",
            {"slug": "xa-c", "name": "Xã C"},
            (Commune,),
        ),
        Endpoint(
            "join",
            "anonymous",
            "POST",
            "/api/v1/join",
            {"token": "{token}", "display_name": "Bà Tư"},
            (Account, Membership),
        ),
        Endpoint(
            "create thread",
            "resident_a",
            "POST",
            "/api/v1/communes/xa-a/threads",
            {"kind": "question", "title": "Đèn đường", "body": "Đèn hỏng.", "visibility": "public"},
            (Thread,),
        ),
        Endpoint(
            "reply",
            "resident_a",
            "POST",
            "/api/v1/threads/{thread}/replies",
            {"body": "Cảm ơn anh chị."},
            (Reply,),
        ),
        Endpoint(
            "change status",
            "official_a",
            "PATCH",
            "/api/v1/threads/{thread}",
            {"status": "acknowledged", "note": "Đã tiếp nhận."},
            (StatusChange,),
        ),
        Endpoint(
            "announce",
            "official_a",
            "POST",
            "/api/v1/communes/xa-a/announcements",
            {"title": "Cúp nước", "body": "Sáng mai cúp nước."},
            (Announcement,),
        ),
    )
}


@dataclass
class Scene:
    clients: dict[str, FlaskClient]
    ids: dict[str, Any]

    def client(self, endpoint: Endpoint) -> FlaskClient:
        return self.clients[endpoint.actor]

    def new_visitor(self) -> None:
        """A fresh signed-out client, so that one visitor's sign-in or join does not carry over."""
        self.clients["anonymous"] = self.clients["anonymous"].application.test_client()

    def path(self, endpoint: Endpoint) -> str:
        return endpoint.path.format(**self.ids)

    def body(self, endpoint: Endpoint, **changes: Any) -> dict[str, Any]:
        """The endpoint's valid body with ``changes`` applied (``MISSING`` removes a field)."""
        body = {
            key: value.format(**self.ids) if isinstance(value, str) else value
            for key, value in endpoint.valid.items()
        }
        for key, value in changes.items():
            if value is MISSING:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    def created(self, endpoint: Endpoint) -> tuple[int, ...]:
        counts = tuple(count(model) for model in endpoint.creates)
        if endpoint.name == "login":
            me = call(self.clients["anonymous"], "GET", "/api/v1/me").get_json()
            counts += (int(me["signed_in"]),)
        return counts

    def send(self, endpoint: Endpoint, body: Any):
        return call(self.client(endpoint), endpoint.method, self.path(endpoint), json=body)

    def send_raw(self, endpoint: Endpoint, text: str | bytes, **kwargs: Any):
        return raw_json(self.client(endpoint), endpoint.method, self.path(endpoint), text, **kwargs)


@pytest.fixture
def scene(app: Flask, world: dict[str, Any]) -> Scene:
    clients = {
        name: world[name]
        for name in ("admin", "official_a", "official_b", "resident_a", "resident_b")
    }
    clients["anonymous"] = app.test_client()
    asked = call(
        world["resident_a"],
        "POST",
        "/api/v1/communes/xa-a/threads",
        json={"kind": "question", "body": "Đèn hỏng.", "visibility": "public"},
    )
    assert asked.status_code == 201
    return Scene(
        clients=clients, ids={"thread": asked.get_json()["id"], "token": world["a"].join_token}
    )


def refusal_problem(
    scene: Scene,
    endpoint: Endpoint,
    send: Callable[[], Any],
    status: int | tuple[int, ...] | None = None,
    field: str | None = None,
) -> str | None:
    """Send; describe what is wrong if the answer is not a proper refusal that changed nothing."""
    scene.new_visitor()
    before = scene.created(endpoint)
    problem = rejection_problem(send(), status, field)
    if scene.created(endpoint) != before:
        problem = f"{problem or 'refused'}, yet it created something"
    return problem


def assert_no_problems(problems: list[str]) -> None:
    assert not problems, "\n" + "\n".join(problems)


def assert_accepted(scene: Scene, endpoint: Endpoint, body: dict[str, Any]):
    response = scene.send(endpoint, body)
    assert response.status_code in (200, 201), response.data[:300]
    return response.get_json()


def endpoint_ids(endpoint: Endpoint) -> str:
    return endpoint.name


# --- bodies that are not a JSON object -----------------------------------------------------

NOT_AN_OBJECT: dict[str, tuple[str | bytes, int | tuple[int, ...]]] = {
    "empty body": ("", 400),
    "whitespace body": ("  \n ", 400),
    "invalid JSON": ('{"body": "x",', 400),
    "single quotes": ("{'body': 'x'}", 400),
    "a JSON array": ('[{"body": "x"}]', 400),
    "an empty array": ("[]", 400),
    "a JSON string": ('"body"', 400),
    "a JSON number": ("42", 400),
    "JSON null": ("null", 400),
    "JSON true": ("true", 400),
    "not UTF-8": (b'{"body": "\xff\xfe"}', 400),
    "100,000 open brackets": ("[" * 100_000, 400),
    "100,000 nested arrays": ("[" * 100_000 + "]" * 100_000, 400),
    "100,000 nested objects": ('{"a":' * 100_000 + "1" + "}" * 100_000, 400),
    "deep nesting inside a field": ('{"body": ' + "[" * 100_000 + "]" * 100_000 + "}", 400),
    "an integer of 5,000 digits": ('{"body": ' + "9" * 5_000 + "}", (400, 422)),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=endpoint_ids)
def test_a_body_that_is_not_a_json_object_is_refused(scene: Scene, endpoint: Endpoint) -> None:
    problems = []
    for case, (text, status) in NOT_AN_OBJECT.items():
        problem = refusal_problem(
            scene, endpoint, lambda text=text: scene.send_raw(endpoint, text), status
        )
        if problem:
            problems.append(f"{case}: {problem}")
    assert_no_problems(problems)


def test_a_two_megabyte_body_is_too_large(scene: Scene) -> None:
    problems = []
    for endpoint in ENDPOINTS.values():
        text = json.dumps(scene.body(endpoint, padding="x" * 2_000_000))
        problem = refusal_problem(
            scene, endpoint, lambda e=endpoint, t=text: scene.send_raw(e, t), 413
        )
        if problem:
            problems.append(f"{endpoint.name}: {problem}")
    assert_no_problems(problems)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_body_that_is_not_declared_as_json_is_refused(scene: Scene, content_type: str) -> None:
    """A valid JSON text sent as text/plain (what a cross-site form can send) is still refused.

    415 is the natural answer; any 4xx with nothing created satisfies the contract.
    """
    problems = []
    for endpoint in ENDPOINTS.values():
        text = json.dumps(scene.body(endpoint))
        problem = refusal_problem(
            scene,
            endpoint,
            lambda e=endpoint, t=text: scene.send_raw(e, t, content_type=content_type),
        )
        if problem:
            problems.append(f"{endpoint.name}: {problem}")
    assert_no_problems(problems)


def test_json_with_a_charset_is_accepted(scene: Scene) -> None:
    endpoint = ENDPOINTS["create thread"]
    text = json.dumps(scene.body(endpoint))
    response = scene.send_raw(endpoint, text, content_type="application/json; charset=utf-8")
    assert response.status_code == 201, response.data[:300]


# --- field by field ------------------------------------------------------------------------

WRONG_TYPES: dict[str, Any] = {
    "a number": 42,
    "a float": 1.5,
    "a huge integer": 10**300,
    "true": True,
    "a list": ["text"],
    "an empty list": [],
    "an object": {"text": "x"},
    "a nested object": {"a": {"b": {"c": ["d"]}}},
}
BAD_TEXT: dict[str, Any] = {
    "with a null byte": "a\x00b",
    "with a bell": "ding\x07",
    "with an escape": "\x1b[31mred",
    "with DEL": "a\x7fb",
    "with a lone surrogate": "a\ud800b",
}
EMPTY: dict[str, Any] = {
    "missing": MISSING,
    "null": None,
    "empty": "",
    "whitespace only": " \t\n ",
}


@dataclass(frozen=True)
class FieldRule:
    """Values of one field that must each be refused with ``status``, naming ``field``."""

    endpoint: str
    field: str
    values: dict[str, Any]
    status: int | tuple[int, ...] = 422
    names_field: bool = True

    @property
    def id(self) -> str:
        return f"{self.endpoint}: {self.field}"


def text_rule(endpoint: str, field: str, max_len: int, *, required: bool, line: bool) -> FieldRule:
    values = {**WRONG_TYPES, **BAD_TEXT, f"of {max_len + 1} characters": "x" * (max_len + 1)}
    if line:
        values["with a line break"] = "one\ntwo"
    if required:
        values.update(EMPTY)
    return FieldRule(endpoint, field, values)


def choice_rule(endpoint: str, field: str, outside: list[str], *, required: bool) -> FieldRule:
    values: dict[str, Any] = {**WRONG_TYPES, "a lone surrogate": "\ud800"}
    values.update({repr(value): value for value in outside})
    if required:
        values.update({"missing": MISSING, "null": None, "empty": ""})
    return FieldRule(endpoint, field, values)


FIELD_RULES = [
    choice_rule("create thread", "kind", ["complaint", "QUESTION", " question"], required=True),
    text_rule("create thread", "title", 200, required=False, line=True),
    text_rule("create thread", "body", 4000, required=True, line=False),
    choice_rule("create thread", "visibility", ["private", "Public", "everyone"], required=False),
    text_rule("reply", "body", 4000, required=True, line=False),
    # "new" is the thread's current status: moving to it changes nothing.
    choice_rule(
        "change status", "status", ["closed", "RESOLVED", "in progress", "new"], required=True
    ),
    text_rule("change status", "note", 4000, required=False, line=False),
    text_rule("announce", "title", 200, required=True, line=True),
    text_rule("announce", "body", 4000, required=True, line=False),
    text_rule("join", "display_name", 60, required=False, line=True),
    text_rule("create commune", "name", 120, required=True, line=True),
    FieldRule(
        "create commune",
        "slug",
        {
            **WRONG_TYPES,
            **EMPTY,
            **BAD_TEXT,
            "with a space": "xa a",
            "in upper case": "XA-C",
            "with a leading hyphen": "-xa",
            "with a trailing hyphen": "xa-",
            "with an underscore": "xa_c",
            "with accents": "đà-lạt",
            "like a path": "../xa",
            "of 65 characters": "a" * 65,
        },
    ),
    # An unknown join token is "not found" (with a clear message), whatever its shape.
    FieldRule(
        "join",
        "token",
        {
            **WRONG_TYPES,
            **EMPTY,
            **BAD_TEXT,
            "unknown": "not-a-real-token",
            "of 65 characters": "a" * 65,
            "of 100,000 characters": "a" * 100_000,
        },
        status=404,
        names_field=False,
    ),
    # The contract says "bad -> 401"; a malformed credential is a bad one (422 is tolerated).
    *(
        FieldRule(
            "login",
            field,
            {**WRONG_TYPES, **EMPTY, **BAD_TEXT, "very long": "a" * 2000},
            status=(401, 422),
            names_field=False,
        )
        for field in ("email", "password")
    ),
]


@pytest.mark.parametrize("rule", FIELD_RULES, ids=lambda rule: rule.id)
def test_an_invalid_field_is_refused_with_a_message_naming_it(
    scene: Scene, rule: FieldRule
) -> None:
    endpoint = ENDPOINTS[rule.endpoint]
    expected_field = rule.field if rule.names_field else None
    problems = []
    for label, value in rule.values.items():
        body = scene.body(endpoint, **{rule.field: value})
        problem = refusal_problem(
            scene, endpoint, lambda b=body: scene.send(endpoint, b), rule.status, expected_field
        )
        if problem:
            problems.append(f"{rule.field} {label}: {problem}")
    assert_no_problems(problems)


LIMITS_ACCEPTED: dict[str, list[dict[str, Any]]] = {
    "create thread": [
        {"title": "t" * 200, "body": "b" * 4000},
        {"body": "😀" * 4000},  # characters, not bytes
        {"body": "  " + "b" * 4000 + "\n\n"},  # surrounding space is trimmed
        {"body": "a tab\there\nand a new line"},
        {"title": MISSING, "visibility": MISSING},
        {"title": None, "visibility": "officials"},
        {"title": "   ", "kind": "report"},
    ],
    "reply": [{"body": "r" * 4000}],
    "change status": [
        {"status": "in_progress", "note": "n" * 4000},
        {"status": "resolved", "note": MISSING},
    ],
    "announce": [{"title": "t" * 200, "body": "b" * 4000}],
    "join": [{"display_name": "d" * 60}],
    "create commune": [
        {"slug": "a" * 64, "name": "n" * 120},
        {"slug": "x", "name": "Xã X"},
        {"slug": "xa-9", "name": "Xã 9"},
    ],
}


@pytest.mark.parametrize("name", LIMITS_ACCEPTED)
def test_values_at_the_limits_are_accepted(scene: Scene, name: str) -> None:
    endpoint = ENDPOINTS[name]
    for changes in LIMITS_ACCEPTED[name]:
        scene.new_visitor()  # the same visitor joining twice would add nothing
        before = scene.created(endpoint)
        assert_accepted(scene, endpoint, scene.body(endpoint, **changes))
        assert scene.created(endpoint) == tuple(n + 1 for n in before), changes


def test_a_join_without_a_display_name_gets_a_friendly_default(scene: Scene) -> None:
    endpoint = ENDPOINTS["join"]
    joined = assert_accepted(scene, endpoint, scene.body(endpoint, display_name=MISSING))
    assert joined["member"]["display_name"].strip()


def test_a_thread_body_keeps_its_4000_characters(scene: Scene) -> None:
    endpoint = ENDPOINTS["create thread"]
    body = "ệ" * 4000
    created = assert_accepted(scene, endpoint, scene.body(endpoint, body=body))
    shown = call(scene.clients["resident_a"], "GET", f"/api/v1/threads/{created['id']}")
    assert shown.get_json()["body"] == body


def test_an_unknown_join_token_says_so(scene: Scene) -> None:
    endpoint = ENDPOINTS["join"]
    before = scene.created(endpoint)
    response = scene.send(endpoint, scene.body(endpoint, token="abcdefghijklmnopqrstuvwxyz0123"))
    error = assert_rejected(response, 404)
    assert len(error["message"]) > 20  # a sentence, not a bare "Not Found"
    assert scene.created(endpoint) == before


def test_a_duplicate_commune_slug_is_a_conflict(scene: Scene) -> None:
    endpoint = ENDPOINTS["create commune"]
    body = scene.body(endpoint, slug="xa-a")
    problem = refusal_problem(scene, endpoint, lambda: scene.send(endpoint, body), 409, "slug")
    assert problem is None, problem


def test_declining_without_a_reason_is_refused(scene: Scene) -> None:
    endpoint = ENDPOINTS["change status"]
    problems = []
    for note in (MISSING, None, "", "   "):
        body = scene.body(endpoint, status="declined", note=note)
        problem = refusal_problem(
            scene, endpoint, lambda b=body: scene.send(endpoint, b), 422, "note"
        )
        if problem:
            problems.append(f"note {note!r}: {problem}")
    assert_no_problems(problems)


def test_unknown_fields_are_ignored_not_stored(scene: Scene) -> None:
    endpoint = ENDPOINTS["create thread"]
    body = scene.body(endpoint, status="resolved", author_id=1, id=999, commune_id=2)
    created = assert_accepted(scene, endpoint, body)
    assert created["status"] == "new" and created["commune"] == "xa-a" and created["id"] != 999


# --- query strings and ids in the path -----------------------------------------------------

THREADS = "/api/v1/communes/xa-a/threads"
BAD_PAGE_QUERIES = [
    "cursor=abc",
    "cursor=-1",
    "cursor=1.5",
    "cursor=0x10",
    "cursor=%20",
    "cursor=%00",
    "cursor=%C2%B2",  # "²": a digit to str.isdigit(), not to int()
    "cursor=" + "9" * 30,
    "limit=0",
    "limit=-1",
    "limit=101",
    "limit=abc",
    "limit=1e3",
    "limit=%C2%B2",
    "limit=" + "9" * 30,
]


def test_a_bad_page_parameter_is_refused(scene: Scene) -> None:
    problems = []
    for query in BAD_PAGE_QUERIES:
        response = call(scene.clients["resident_a"], "GET", f"{THREADS}?{query}")
        problem = rejection_problem(response, 422, query.split("=")[0])
        if problem:
            problems.append(f"?{query}: {problem}")
    assert_no_problems(problems)


def test_a_large_cursor_is_a_page_or_a_refusal_never_a_server_error(scene: Scene) -> None:
    """The cursor is a thread id; any id above the newest thread gives the first page."""
    problems = []
    for cursor in ("2147483647", "2147483648", "999999999999999999"):
        response = call(scene.clients["resident_a"], "GET", f"{THREADS}?cursor={cursor}")
        if response.status_code == 200:
            if [item["id"] for item in response.get_json()["items"]] != [scene.ids["thread"]]:
                problems.append(f"cursor {cursor}: wrong page {response.get_json()}")
        elif problem := rejection_problem(response):
            problems.append(f"cursor {cursor}: {problem}")
    assert_no_problems(problems)


HUGE_IDS = ["2147483648", "9223372036854775808", "9" * 30]
BY_ID = [
    ("resident_a", "GET", "/api/v1/threads/{n}", None),
    ("resident_a", "POST", "/api/v1/threads/{n}/replies", {"body": "x"}),
    ("official_a", "PATCH", "/api/v1/threads/{n}", {"status": "resolved"}),
    ("resident_a", "GET", "/api/v1/announcements/{n}", None),
]


def test_an_id_beyond_any_row_is_not_found(scene: Scene) -> None:
    problems = []
    for number in HUGE_IDS:
        for actor, method, path, body in BY_ID:
            path = path.format(n=number)
            response = call(scene.clients[actor], method, path, json=body)
            if problem := rejection_problem(response, 404):
                problems.append(f"{method} {path}: {problem}")
    assert_no_problems(problems)


STRANGE_SLUG_PATHS = [
    "/api/v1/communes/xa%00a/threads",
    "/api/v1/communes/xa%00a/announcements",
    "/api/v1/communes/%ED%A0%80/threads",
    "/api/v1/communes/" + "a" * 5000 + "/threads",
]


def test_a_strange_commune_slug_in_the_path_is_not_found(scene: Scene) -> None:
    problems = []
    for path in STRANGE_SLUG_PATHS:
        if problem := rejection_problem(call(scene.clients["official_a"], "GET", path), 404):
            problems.append(f"GET {path[:60]}: {problem}")
    assert_no_problems(problems)


STRANGE_PAGES = [
    ("resident_a", "/c/xa-a?cursor=%C2%B2"),
    ("resident_a", "/c/xa-a?cursor=" + "9" * 30),
    ("resident_a", "/c/xa-a?cursor=2147483648"),
    ("resident_a", "/c/xa-a?cursor=999999999999999999"),
    ("resident_a", "/t/" + "9" * 30),
    ("resident_a", "/c/xa%00a"),
    ("admin", "/communes/xa%00a/board.png"),
    ("admin", "/communes/xa%00a/board.svg"),
    ("anonymous", "/j/abc%00def"),
]


def test_pages_answer_strange_paths_with_a_4xx_or_a_page(scene: Scene) -> None:
    observed = {
        path: call(scene.clients[actor], "GET", path).status_code for actor, path in STRANGE_PAGES
    }
    assert {path: status for path, status in observed.items() if status >= 500} == {}


# --- page forms: the same rules, answered as a page --------------------------------------

BAD_FORMS = [
    ("resident_a", "/c/xa-a/threads", {"kind": "question", "body": "  "}, Thread),
    ("resident_a", "/c/xa-a/threads", {"kind": "bogus", "body": "x"}, Thread),
    ("resident_a", "/c/xa-a/threads", {"kind": "question", "body": "x" * 4001}, Thread),
    ("resident_a", "/t/{thread}/replies", {"body": ""}, Reply),
    ("resident_a", "/t/{thread}/replies", {"body": "a\x00b"}, Reply),
    ("official_a", "/t/{thread}/status", {"status": "bogus"}, StatusChange),
    ("official_a", "/t/{thread}/status", {"status": "declined"}, StatusChange),
    ("official_a", "/c/xa-a/announcements", {"title": "", "body": "x"}, Announcement),
    ("admin", "/admin/communes", {"slug": "Bad Slug", "name": "X"}, Commune),
    ("admin", "/admin/communes", {"slug": "xa-a", "name": "Again"}, Commune),
    ("anonymous", "/j/{token}", {"display_name": "d" * 61}, Account),
    ("anonymous", "/login", {"email": "a\x00@example.vn", "password": "p" * 12}, Account),
]


def test_a_bad_form_shows_the_page_again_with_the_message(scene: Scene) -> None:
    problems = []
    for actor, path, form, model in BAD_FORMS:
        before = count(model)
        response = call(scene.clients[actor], "POST", path.format(**scene.ids), data=form)
        label = f"POST {path} {form!r:.60}"
        if not 400 <= response.status_code < 500:
            problems.append(f"{label}: answered {response.status_code}")
        elif response.mimetype != "text/html" or 'role="alert"' not in response.get_data(True):
            problems.append(f"{label}: no page with the message")
        if count(model) != before:
            problems.append(f"{label}: created something")
    assert_no_problems(problems)


# --- HTML is text ----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>bold</b>"
IMAGE = '<img src=x onerror="alert(2)">'


def test_markup_is_kept_verbatim_in_json_and_escaped_in_pages(app: Flask, scene: Scene) -> None:
    visitor = app.test_client()
    token = scene.ids["token"]
    joined = call(visitor, "POST", "/api/v1/join", json={"token": token, "display_name": IMAGE})
    assert joined.status_code == 201
    assert joined.get_json()["member"]["display_name"] == IMAGE
    ask = {"kind": "report", "title": BOLD, "body": SCRIPT, "visibility": "public"}
    thread = call(visitor, "POST", THREADS, json=ask).get_json()
    assert (thread["title"], thread["body"]) == (BOLD, SCRIPT)
    assert thread["author"]["display_name"] == IMAGE
    reply = {"body": SCRIPT}
    official = scene.clients["official_a"]
    assert (
        call(official, "POST", f"/api/v1/threads/{thread['id']}/replies", json=reply).status_code
        == 201
    )
    shown = call(visitor, "GET", f"/api/v1/threads/{thread['id']}").get_json()
    assert shown["body"] == SCRIPT and shown["replies"][0]["body"] == SCRIPT

    # The thread page shows everything; the feed shows the title and the author's name.
    escaped = {
        SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
        BOLD: "&lt;b&gt;bold&lt;/b&gt;",
        IMAGE: "&lt;img src=x onerror=",
    }
    pages = {f"/t/{thread['id']}": (SCRIPT, BOLD, IMAGE), "/c/xa-a": (BOLD, IMAGE)}
    for path, shown_markup in pages.items():
        page = call(visitor, "GET", path).get_data(as_text=True)
        for markup in (SCRIPT, BOLD, IMAGE):
            assert markup not in page, (path, markup)
        for markup in shown_markup:
            assert escaped[markup] in page, (path, markup)


# --- property: no JSON value in any field makes a 5xx --------------------------------------

JSON_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)  # surrogates included
# Valid choices, and strings that have broken parsers and databases before.
ODD_STRINGS = st.sampled_from(
    ["question", "report", "public", "officials", "", " ", "x\x00y", "\ud800", "²", "\u202e"]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | JSON_TEXT
    | ODD_STRINGS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
THREAD_FIELDS = ("kind", "title", "body", "visibility")
ALL_FIELDS = (*THREAD_FIELDS, "status", "note", "slug", "name", "token", "display_name")
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,  # no example files written into the working tree
)


@PROPERTY
@given(field=st.sampled_from(THREAD_FIELDS), value=ODD_STRINGS | JSON_VALUES | st.just(MISSING))
def test_any_json_value_in_any_thread_field_is_never_a_server_error(
    scene: Scene, field: str, value: Any
) -> None:
    endpoint = ENDPOINTS["create thread"]
    text = json.dumps(scene.body(endpoint, **{field: value}))  # NaN, Infinity included
    before = count(Thread)
    response = scene.send_raw(endpoint, text)
    assert response.status_code < 500, (field, value, response.data[:200])
    if response.status_code == 201:
        assert count(Thread) == before + 1
    else:
        assert_rejected(response)
        assert count(Thread) == before


@PROPERTY
@given(
    name=st.sampled_from(sorted(set(ENDPOINTS) - {"login"})),  # login's argon2 is slow
    body=st.dictionaries(st.sampled_from(ALL_FIELDS), ODD_STRINGS | JSON_VALUES, max_size=5)
    | JSON_VALUES,
)
def test_any_json_body_on_any_endpoint_is_never_a_server_error(
    scene: Scene, name: str, body: Any
) -> None:
    endpoint = ENDPOINTS[name]
    scene.new_visitor()
    response = scene.send_raw(endpoint, json.dumps(body))
    assert response.status_code < 500, (name, body, response.data[:200])
    if response.status_code >= 400:
        assert_rejected(response)
