"""Role rules for every workspace route: each actor against each route, API and pages.

Actors, as in tests/api/test_authorization.py: ``anonymous``; ``author`` (resident of A who
wrote the seeded threads); ``resident_a2`` (another resident of A, who wrote the seeded
replies); ``resident_b``; ``official_a``; ``official_b``; ``admin`` (a member of no commune).

An official never sees or acts on another commune: a thread, reply, canned reply or category
of A is "not found" (404) to anyone who is not a member of A; a commune one is not a member of
is "forbidden" (403). Members of A who are not officials are "forbidden" (403) where they can
see the thing but may not act on it. Pages send signed-out visitors to sign in (302). Every
refused request leaves the database as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.audit.models import AuditEvent
from app.membership.models import Membership
from app.threads.models import Flag, ThreadFollower, ThreadNote
from app.workspace.models import CannedReply
from tests.threads.helpers import API, ask, call, count, me, reply

ACTORS = ("anonymous", "author", "resident_a2", "resident_b", "official_a", "official_b", "admin")
SUCCESS = frozenset({200, 201, 204, 303})


@dataclass
class Scene:
    clients: dict[str, FlaskClient]
    ids: dict[str, int]


@pytest.fixture
def scene(app: Flask, world: dict[str, Any], join) -> Scene:
    author, a2, official = world["resident_a"], world["resident_a2"], world["official_a"]
    blocked = join(world["a"], "Bị chặn")
    ids = {
        "public": ask(author, "xa-a", "Đèn đường hẻm 3 bị hỏng"),
        "private": ask(author, "xa-a", "Riêng tư", visibility="officials"),
        "hidden": ask(author, "xa-a", "Bị ẩn"),
        "author_id": me(author),
        "blocked_id": me(blocked),
        "official_a_id": me(official),
    }
    ids["reply"] = reply(a2, ids["public"], "Trả lời của Anh Minh")
    ids["hidden_reply"] = reply(a2, ids["public"], "Trả lời bị ẩn")
    for path in (f"threads/{ids['hidden']}", f"replies/{ids['hidden_reply']}"):
        assert (
            call(official, "POST", f"{API}/{path}/hide", json={"reason": "Ẩn"}).status_code == 200
        )
    block = f"{API}/communes/xa-a/members/{ids['blocked_id']}/block"
    assert call(official, "PUT", block, json={"reason": "Chặn"}).status_code == 200
    canned = {"title": "Mẫu", "body": "Cảm ơn anh/chị."}
    ids["canned"] = call(
        official, "POST", f"{API}/communes/xa-a/canned-replies", json=canned
    ).get_json()["id"]
    ids["category"] = call(official, "GET", f"{API}/communes/xa-a/categories").get_json()["items"][
        0
    ]["id"]
    ids["announcement"] = call(
        official, "POST", f"{API}/communes/xa-a/announcements", json={"title": "T", "body": "B"}
    ).get_json()["id"]
    clients = {
        "anonymous": app.test_client(),
        "author": author,
        "resident_a2": a2,
        "resident_b": world["resident_b"],
        "official_a": official,
        "official_b": world["official_b"],
        "admin": world["admin"],
    }
    return Scene(clients=clients, ids=ids)


def expect(*, anonymous: int, others: int, **allowed: int) -> dict[str, int]:
    table = dict.fromkeys(ACTORS, others)
    table["anonymous"] = anonymous
    for actor, status in allowed.items():
        assert actor in ACTORS, actor
        table[actor] = status
    return table


def officials_only(status: int, *, anonymous: int = 401) -> dict[str, int]:
    """A route on commune A itself: its officials only; everyone else is forbidden."""
    return expect(anonymous=anonymous, others=403, official_a=status)


def on_a_thing(status: int, *, anonymous: int = 401, **members: int) -> dict[str, int]:
    """A route on a thread/reply/canned reply/category of A: outsiders do not see it (404),
    members of A who see it but are not officials are forbidden (403)."""
    table = expect(anonymous=anonymous, others=404, official_a=status)
    table.update({"author": 403, "resident_a2": 403})
    table.update(members)
    return table


def members_of_a(status: int, *, anonymous: int = 401) -> dict[str, int]:
    return expect(
        anonymous=anonymous, others=403, author=status, resident_a2=status, official_a=status
    )


def _rows(model: type, *where: Any) -> Callable[[Scene], int]:
    return lambda scene: count(model, *where)


def _audit(action: str) -> Callable[[Scene], int]:
    return _rows(AuditEvent, AuditEvent.action == action)


def _blocked(scene: Scene) -> int:
    return count(Membership, Membership.posting_blocked.is_(True))


Payload = dict[str, Any] | Callable[[dict[str, int]], dict[str, Any]] | None


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # formatted with the scene's ids
    expected: dict[str, int]
    json: Payload = None
    form: Payload = None
    effect: Callable[[Scene], int] | None = field(default=None, compare=False)


REASON = {"reason": "Không phù hợp"}
NOTE = {"body": "Ghi chú nội bộ"}
CANNED = {"title": "Mẫu mới", "body": "Nội dung mẫu"}

API_ROUTES = [
    Route(
        "inbox",
        "GET",
        f"{API}/inbox",
        expect(anonymous=401, others=403, official_a=200, official_b=200),
    ),
    Route("inbox of A", "GET", f"{API}/inbox?commune=xa-a", officials_only(200)),
    Route("search inbox of A", "GET", f"{API}/inbox?commune=xa-a&q=đèn", officials_only(200)),
    Route("notes", "GET", f"{API}/threads/{{public}}/notes", on_a_thing(200)),
    Route(
        "notes of private",
        "GET",
        f"{API}/threads/{{private}}/notes",
        on_a_thing(200, resident_a2=404),
    ),
    Route(
        "add note",
        "POST",
        f"{API}/threads/{{public}}/notes",
        on_a_thing(201),
        json=NOTE,
        effect=_rows(ThreadNote),
    ),
    Route(
        "assign",
        "PUT",
        f"{API}/threads/{{public}}/assignee",
        on_a_thing(200),
        json=lambda ids: {"assignee": ids["official_a_id"]},
        effect=_audit("thread.assign"),
    ),
    Route(
        "recategorise",
        "PUT",
        f"{API}/threads/{{public}}/category",
        on_a_thing(200),
        json=lambda ids: {"category": ids["category"]},
        effect=_audit("thread.category"),
    ),
    Route(
        "hide thread",
        "POST",
        f"{API}/threads/{{public}}/hide",
        on_a_thing(200),
        json=REASON,
        effect=_audit("thread.hide"),
    ),
    Route(
        "restore thread",
        "POST",
        f"{API}/threads/{{hidden}}/restore",
        on_a_thing(200, resident_a2=404),
        effect=_audit("thread.restore"),
    ),
    Route(
        "hide reply",
        "POST",
        f"{API}/replies/{{reply}}/hide",
        on_a_thing(200),
        json=REASON,
        effect=_audit("reply.hide"),
    ),
    Route(
        "restore reply",
        "POST",
        f"{API}/replies/{{hidden_reply}}/restore",
        on_a_thing(200, author=404),
        effect=_audit("reply.restore"),
    ),
    Route(
        "flag thread",
        "POST",
        f"{API}/threads/{{public}}/flag",
        expect(anonymous=401, others=404, author=422, resident_a2=201, official_a=403),
        json=REASON,
        effect=_rows(Flag),
    ),
    Route(
        "flag reply",
        "POST",
        f"{API}/replies/{{reply}}/flag",
        expect(anonymous=401, others=404, author=201, resident_a2=422, official_a=403),
        effect=_rows(Flag),
    ),
    Route(
        "follow",
        "POST",
        f"{API}/threads/{{public}}/follow",
        expect(anonymous=401, others=404, author=201, resident_a2=201, official_a=201),
        effect=_rows(ThreadFollower),
    ),
    Route(
        "follow private",
        "POST",
        f"{API}/threads/{{private}}/follow",
        expect(anonymous=401, others=404, author=201, official_a=201),
        effect=_rows(ThreadFollower),
    ),
    Route(
        "unfollow",
        "DELETE",
        f"{API}/threads/{{public}}/follow",
        expect(anonymous=401, others=404, author=204, resident_a2=204, official_a=204),
    ),
    Route("assignees", "GET", f"{API}/communes/xa-a/assignees", officials_only(200)),
    Route("canned replies", "GET", f"{API}/communes/xa-a/canned-replies", officials_only(200)),
    Route(
        "create canned reply",
        "POST",
        f"{API}/communes/xa-a/canned-replies",
        officials_only(201),
        json=CANNED,
        effect=_rows(CannedReply),
    ),
    Route(
        "edit canned reply",
        "PATCH",
        f"{API}/canned-replies/{{canned}}",
        on_a_thing(200),
        json=CANNED,
    ),
    Route(
        "delete canned reply",
        "DELETE",
        f"{API}/canned-replies/{{canned}}",
        on_a_thing(204),
        effect=_rows(CannedReply),
    ),
    Route("categories", "GET", f"{API}/communes/xa-a/categories", members_of_a(200)),
    Route(
        "categories with archived",
        "GET",
        f"{API}/communes/xa-a/categories?archived=1",
        members_of_a(200),
    ),
    Route(
        "create category",
        "POST",
        f"{API}/communes/xa-a/categories",
        officials_only(201),
        json={"name": "Mới"},
    ),
    Route(
        "edit category",
        "PATCH",
        f"{API}/categories/{{category}}",
        on_a_thing(200),
        json={"name": "Đổi"},
    ),
    Route("similar", "GET", f"{API}/communes/xa-a/similar?q=đèn đường", members_of_a(200)),
    Route("flags", "GET", f"{API}/communes/xa-a/flags", officials_only(200)),
    Route("members", "GET", f"{API}/communes/xa-a/members", officials_only(200)),
    Route(
        "block member",
        "PUT",
        f"{API}/communes/xa-a/members/{{author_id}}/block",
        officials_only(200),
        json=REASON,
        effect=_blocked,
    ),
    Route(
        "unblock member",
        "DELETE",
        f"{API}/communes/xa-a/members/{{blocked_id}}/block",
        officials_only(200),
        effect=_blocked,
    ),
    Route(
        "edit announcement",
        "PATCH",
        f"{API}/announcements/{{announcement}}",
        officials_only(200),
        json={"pinned": True},
        effect=_audit("announcement.edit"),
    ),
    Route(
        "audit",
        "GET",
        f"{API}/audit",
        expect(anonymous=401, others=403, official_a=200, official_b=200, admin=200),
    ),
    Route(
        "audit of A",
        "GET",
        f"{API}/audit?commune=xa-a",
        expect(anonymous=401, others=403, official_a=200, admin=200),
    ),
]


def page_on_a_thing(status: int, **members: int) -> dict[str, int]:
    return on_a_thing(status, anonymous=302, **members)


PAGE_ROUTES = [
    Route(
        "workspace home",
        "GET",
        "/w/",
        expect(anonymous=302, others=403, official_a=200, official_b=200),
    ),
    Route("inbox page", "GET", "/w/xa-a", officials_only(200, anonymous=302)),
    Route("thread page", "GET", "/w/t/{public}", page_on_a_thing(200)),
    Route("private thread page", "GET", "/w/t/{private}", page_on_a_thing(200, resident_a2=404)),
    Route(
        "answer form",
        "POST",
        "/w/t/{public}/replies",
        page_on_a_thing(303),
        form={"body": "Trả lời"},
    ),
    Route(
        "status form",
        "POST",
        "/w/t/{public}/status",
        page_on_a_thing(303),
        form={"status": "acknowledged"},
        effect=_audit("thread.status"),
    ),
    Route(
        "note form",
        "POST",
        "/w/t/{public}/notes",
        page_on_a_thing(303),
        form=NOTE,
        effect=_rows(ThreadNote),
    ),
    Route(
        "assign form",
        "POST",
        "/w/t/{public}/assignee",
        page_on_a_thing(303),
        form=lambda ids: {"assignee": str(ids["official_a_id"])},
        effect=_audit("thread.assign"),
    ),
    Route(
        "category form",
        "POST",
        "/w/t/{public}/category",
        page_on_a_thing(303),
        form=lambda ids: {"category": str(ids["category"])},
        effect=_audit("thread.category"),
    ),
    Route(
        "hide form",
        "POST",
        "/w/t/{public}/hide",
        page_on_a_thing(303),
        form=REASON,
        effect=_audit("thread.hide"),
    ),
    Route(
        "restore form",
        "POST",
        "/w/t/{hidden}/restore",
        page_on_a_thing(303, resident_a2=404),
        form={},
        effect=_audit("thread.restore"),
    ),
    Route(
        "hide reply form",
        "POST",
        "/w/r/{reply}/hide",
        page_on_a_thing(303),
        form=REASON,
        effect=_audit("reply.hide"),
    ),
    Route(
        "restore reply form",
        "POST",
        "/w/r/{hidden_reply}/restore",
        page_on_a_thing(303, author=404),
        form={},
        effect=_audit("reply.restore"),
    ),
    Route("canned page", "GET", "/w/xa-a/canned", officials_only(200, anonymous=302)),
    Route(
        "canned create form",
        "POST",
        "/w/xa-a/canned",
        officials_only(303, anonymous=302),
        form=CANNED,
        effect=_rows(CannedReply),
    ),
    Route("canned edit form", "POST", "/w/canned/{canned}", page_on_a_thing(303), form=CANNED),
    Route(
        "canned delete form",
        "POST",
        "/w/canned/{canned}/delete",
        page_on_a_thing(303),
        form={},
        effect=_rows(CannedReply),
    ),
    Route("categories page", "GET", "/w/xa-a/categories", officials_only(200, anonymous=302)),
    Route(
        "category create form",
        "POST",
        "/w/xa-a/categories",
        officials_only(303, anonymous=302),
        form={"name": "Mới"},
    ),
    Route(
        "category edit form",
        "POST",
        "/w/xa-a/categories/{category}",
        officials_only(303, anonymous=302),
        form={"archived": "1"},
    ),
    Route("announcements page", "GET", "/w/xa-a/announcements", officials_only(200, anonymous=302)),
    Route(
        "announcement create form",
        "POST",
        "/w/xa-a/announcements",
        officials_only(303, anonymous=302),
        form={"title": "Mới", "body": "Nội dung"},
    ),
    Route(
        "announcement edit form",
        "POST",
        "/w/xa-a/announcements/{announcement}",
        officials_only(303, anonymous=302),
        form={"pinned": "1"},
        effect=_audit("announcement.edit"),
    ),
    Route("moderation page", "GET", "/w/xa-a/moderation", officials_only(200, anonymous=302)),
    Route(
        "moderation review form",
        "POST",
        "/w/xa-a/moderation/thread/{hidden}",
        officials_only(303, anonymous=302),
        form={"decision": "restore"},
        effect=_audit("thread.restore"),
    ),
    Route(
        "block form",
        "POST",
        "/w/xa-a/members/{author_id}/block",
        officials_only(303, anonymous=302),
        form=REASON,
        effect=_blocked,
    ),
    Route(
        "unblock form",
        "POST",
        "/w/xa-a/members/{blocked_id}/unblock",
        officials_only(303, anonymous=302),
        form={},
        effect=_blocked,
    ),
    Route("audit page", "GET", "/w/xa-a/audit", officials_only(200, anonymous=302)),
    # What residents do from the group's pages.
    Route(
        "flag form",
        "POST",
        "/w/t/{public}/flag",
        expect(anonymous=302, others=404, author=422, resident_a2=303, official_a=403),
        form={},
        effect=_rows(Flag),
    ),
    Route(
        "flag reply form",
        "POST",
        "/w/r/{reply}/flag",
        expect(anonymous=302, others=404, author=303, resident_a2=422, official_a=403),
        form={},
        effect=_rows(Flag),
    ),
    Route(
        "follow form",
        "POST",
        "/w/t/{public}/follow",
        expect(anonymous=302, others=404, author=303, resident_a2=303, official_a=303),
        form={},
        effect=_rows(ThreadFollower),
    ),
    Route(
        "unfollow form",
        "POST",
        "/w/t/{public}/unfollow",
        expect(anonymous=302, others=404, author=303, resident_a2=303, official_a=303),
        form={},
    ),
    Route("similar page", "GET", "/w/xa-a/similar?q=đèn", members_of_a(200, anonymous=302)),
]

ROUTES = API_ROUTES + PAGE_ROUTES


def _payload(payload: Payload, ids: dict[str, int]) -> dict[str, Any] | None:
    return payload(ids) if callable(payload) else payload


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_each_actor_gets_the_expected_status(scene: Scene, route: Route):
    # Refused actors first, so that a success (a deletion, a hide) cannot change the next
    # actor's answer.
    order = sorted(ACTORS, key=lambda actor: route.expected[actor] in SUCCESS)
    for actor in order:
        before = route.effect(scene) if route.effect else None
        kwargs: dict[str, Any] = {}
        if route.json is not None:
            kwargs["json"] = _payload(route.json, scene.ids)
        if route.form is not None:
            kwargs["data"] = _payload(route.form, scene.ids)
        path = route.path.format(**scene.ids)
        response = call(scene.clients[actor], route.method, path, **kwargs)
        expected = route.expected[actor]
        assert response.status_code == expected, (actor, response.status_code, response.text[:300])
        if expected == 302:
            assert "/login" in response.headers["Location"]
        if path.startswith(API) and expected >= 400:
            assert response.get_json()["error"]["code"]
        if route.effect is not None:
            after = route.effect(scene)
            if expected in SUCCESS:
                assert after != before, actor
            else:
                assert after == before, actor


def test_every_workspace_route_is_in_the_matrix(app: Flask):
    """A new route must be added to the matrix above."""
    covered = {(route.method, route.path.split("?")[0]) for route in ROUTES}
    covered_rules = set()
    for method, path in covered:
        covered_rules.add((method, _normalise(path)))
    missing = []
    for rule in app.url_map.iter_rules():
        if not (
            rule.endpoint.startswith(("workspace.", "api.workspace."))
            or rule.endpoint in NEW_ELSEWHERE
        ):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, _normalise(rule.rule)) not in covered_rules:
                missing.append((method, rule.rule))
    assert missing == []


# Routes added to resource modules that existed before the workspace.
NEW_ELSEWHERE = {
    "api.threads.follow_thread",
    "api.threads.unfollow_thread",
    "api.threads.flag_thread",
    "api.threads.flag_reply",
    "api.announcements.update",
    # Residents' pages under /w/, served by the threads blueprint.
    "threads.flag_thread",
    "threads.flag_reply",
    "threads.follow_thread",
    "threads.unfollow_thread",
    "threads.similar",
}


def _normalise(path: str) -> str:
    """Both ``/threads/{public}`` and ``/threads/<id:thread_id>`` become ``/threads/*``."""
    path = re.sub(r"\{[^}]+\}|<[^>]+>", "*", path).replace("/xa-a", "/*")
    return re.sub(r"/moderation/(thread|reply)/", "/moderation/*/", path)
