"""What each caller sees and may do beyond a status: lists, pages, the same "not found".

Moved from tests/api/test_authorization.py, tests/security/test_route_inventory.py and
tests/admin/test_roles.py; they read the matrix's world (``world.py``), and the one test that
writes (joining B) restores it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.announcements.models import Announcement
from app.extensions import db
from app.threads.models import Reply, StatusChange, Thread
from tests.authorization.declarations import ACK, ANNOUNCE, ASK, REPLY, rows
from tests.authorization.world import API, World


def call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    response = client.open(path, method=method, **kwargs)
    db.session.rollback()
    return response


def all_thread_ids(client: FlaskClient, slug: str) -> list[int]:
    """Every thread id the client can list, walking the cursor one item at a time."""
    ids: list[int] = []
    cursor = ""
    while True:
        response = call(client, "GET", f"{API}/communes/{slug}/threads?limit=1&cursor={cursor}")
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        ids.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            return ids
        cursor = page["next_cursor"]


def test_residents_list_public_threads_and_only_their_own_private_ones(world: World) -> None:
    ids, clients = world.ids, world.clients
    author = all_thread_ids(clients["author"], "xa-a")
    other = all_thread_ids(clients["resident_a2"], "xa-a")
    official = all_thread_ids(clients["official_a"], "xa-a")

    # The hidden thread and the (private) photo report are the author's own.
    assert sorted(author) == sorted(
        [ids["public"], ids["private"], ids["photo_thread"], ids["hidden"]]
    )
    assert ids["private_a2"] not in author
    assert sorted(other) == sorted([ids["public"], ids["private_a2"]])  # not the hidden one
    assert ids["private"] not in other
    assert sorted(official) == sorted(
        [ids["public"], ids["private"], ids["private_a2"], ids["photo_thread"], ids["hidden"]]
    )
    assert all_thread_ids(clients["resident_b"], "xa-b") == [ids["public_b"]]


def test_feed_page_does_not_show_another_residents_private_thread(world: World) -> None:
    page = call(world.clients["author"], "GET", "/c/xa-a").get_data(as_text=True)
    assert "Riêng tư của Anh Minh." not in page
    assert "Đèn đường hẻm 3 bị hỏng." in page
    official_page = call(world.clients["official_a"], "GET", "/c/xa-a").get_data(as_text=True)
    assert "Riêng tư của Anh Minh." in official_page


def test_a_hidden_thread_looks_exactly_like_a_missing_one(world: World) -> None:
    outsider = world.clients["official_b"]
    hidden = call(outsider, "GET", f"{API}/threads/{world.ids['private']}")
    missing = call(outsider, "GET", f"{API}/threads/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


@pytest.mark.parametrize(
    ("caller", "slugs"),
    [
        ("admin", ["xa-a", "xa-b"]),
        ("admin_area", ["xa-a"]),
        ("admin_elsewhere", ["xa-b"]),
        ("official_a", ["xa-a"]),
        ("official_b", ["xa-b"]),
    ],
)
def test_commune_list_shows_admins_their_area_and_officials_their_own(
    world: World, caller: str, slugs: list[str]
) -> None:
    response = call(world.clients[caller], "GET", f"{API}/communes")
    assert response.status_code == 200
    assert sorted(item["slug"] for item in response.get_json()["items"]) == slugs


@pytest.mark.parametrize(
    ("caller", "communes"),
    [
        ("author", [("xa-a", "resident")]),
        ("resident_b", [("xa-b", "resident")]),
        ("official_a", [("xa-a", "official")]),
        ("official_b", [("xa-b", "official")]),
        ("admin", []),
        ("admin_area", []),
    ],
)
def test_me_names_only_the_callers_own_communes(
    world: World, caller: str, communes: list[tuple[str, str]]
) -> None:
    me = call(world.clients[caller], "GET", f"{API}/me").get_json()
    assert [(item["slug"], item["role"]) for item in me["communes"]] == communes


def test_official_of_b_can_act_on_nothing_of_a(world: World) -> None:
    official_b = world.clients["official_b"]
    public, private = world.ids["public"], world.ids["private"]
    attempts = [
        ("POST", f"{API}/threads/{public}/replies", REPLY, 404),
        ("POST", f"{API}/threads/{private}/replies", REPLY, 404),
        ("PATCH", f"{API}/threads/{public}", ACK, 404),
        ("PATCH", f"{API}/threads/{private}", ACK, 404),
        ("POST", f"{API}/communes/xa-a/announcements", ANNOUNCE, 403),
        ("POST", f"{API}/communes/xa-a/threads", ASK, 403),
        ("GET", "/communes/xa-a/board.png", None, 403),
        ("GET", "/communes/xa-a/board.svg", None, 403),
        ("GET", f"{API}/communes/xa-a/threads", None, 403),
        ("GET", f"{API}/threads/{private}", None, 404),
    ]
    counts = [rows(model)(world.ids) for model in (Reply, StatusChange, Announcement, Thread)]
    observed = [
        (method, path, call(official_b, method, path, json=body).status_code)
        for method, path, body, _ in attempts
    ]
    assert observed == [(method, path, status) for method, path, _, status in attempts]

    # Nothing of A changed.
    assert [rows(model)(world.ids) for model in (Reply, StatusChange, Announcement, Thread)] == (
        counts
    )
    seen = call(world.clients["official_a"], "GET", f"{API}/threads/{public}").get_json()
    assert seen["status"] == "new"


def test_scanning_a_second_board_opens_that_commune_too(world: World) -> None:
    author = world.clients["author"]
    assert call(author, "GET", f"{API}/communes/xa-b/threads").status_code == 403
    try:
        joined = call(author, "POST", f"{API}/join", json={"token": world.ids["join_token_b"]})
        assert joined.status_code == 201
        assert all_thread_ids(author, "xa-b") == [world.ids["public_b"]]
        # Still only a resident there: no status changes, no announcements.
        patch = call(author, "PATCH", f"{API}/threads/{world.ids['public_b']}", json=ACK)
        assert patch.status_code == 403
    finally:
        world.restore()


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_boards_are_images_for_those_allowed(world: World, kind: str) -> None:
    mimetype = {"png": "image/png", "svg": "image/svg+xml"}[kind]
    for caller in ("admin", "admin_area", "official_a"):
        response = call(world.clients[caller], "GET", f"/communes/xa-a/board.{kind}")
        assert response.status_code == 200
        assert response.mimetype == mimetype


def test_own_commune_lists_leak_nothing_of_another_commune(world: World) -> None:
    """Lists without a commune in the path show an official of B nothing of commune A."""
    official_b = world.clients["official_b"]
    communes = official_b.get(f"{API}/communes").get_json()["items"]
    assert [c["slug"] for c in communes] == ["xa-b"]
    inbox = official_b.get(f"{API}/inbox").get_json()
    assert world.ids["public"] not in [item["id"] for item in inbox["items"]]
    audit = official_b.get(f"{API}/audit").get_json()
    assert all(event.get("commune") != "xa-a" for event in audit["items"])
    assert official_b.get(f"{API}/audit?commune=xa-a").status_code in (403, 404)
    assert "Đèn đường hẻm 3 bị hỏng." not in official_b.get("/w/").text
    assert "xa-a" not in official_b.get("/admin").text
    world.restore_cookies()


def test_residents_never_see_admin_links(world: World) -> None:
    page = world.clients["author"].get("/")
    assert "/admin/" not in page.text
    world.restore_cookies()
