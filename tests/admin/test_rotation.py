"""Rotating a commune's join token: the old board's link answers 410 Gone, members stay."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.communes.models import Commune, RetiredJoinToken
from app.communes.services import board_code
from app.extensions import db
from app.membership.models import Membership
from tests.conftest import BASE_URL


def test_rotation_gives_a_new_join_url_and_the_old_one_is_gone(app, world):
    old = world["a"].join_token
    response = world["admin"].post("/api/v1/communes/xa-a/rotate-token")
    assert response.status_code == 200
    db.session.expire_all()
    new = db.session.get(Commune, world["a"].id).join_token
    assert new != old and len(new) == 22
    assert response.get_json() == {
        "join_url": f"{BASE_URL}/j/{new}",
        "join_code": board_code(db.session.get(Commune, world["a"].id)),
    }
    # The old token and the old board's short code are kept only as digests.
    stored = db.session.scalars(select(RetiredJoinToken.token_hash)).all()
    assert len(stored) == 2 and not any(old in digest for digest in stored)

    visitor = app.test_client()
    page = visitor.get(f"/j/{old}")
    assert page.status_code == 410
    assert page.mimetype == "text/html"
    assert "Xã A" in page.text and 'role="alert"' in page.text
    posted = visitor.post(f"/j/{old}", data={"display_name": "Chị Lan"})
    assert posted.status_code == 410

    api = visitor.post("/api/v1/join", json={"token": old})
    assert api.status_code == 410
    error = api.get_json()["error"]
    assert error["code"] == "gone" and "Xã A" in error["message"]

    # An unknown token is still "not found"; the new token works.
    assert visitor.get("/j/" + "z" * 32).status_code == 404
    assert visitor.get(f"/j/{new}").status_code == 200
    assert visitor.post("/api/v1/join", json={"token": new}).status_code == 201


def test_members_who_joined_keep_their_group(world):
    before = db.session.scalar(
        select(Membership.id).where(Membership.commune_id == world["a"].id).limit(1)
    )
    assert world["admin"].post("/api/v1/communes/xa-a/rotate-token").status_code == 200
    resident = world["resident_a"]
    assert resident.get("/api/v1/communes/xa-a/threads").status_code == 200
    me = resident.get("/api/v1/me").get_json()
    assert [c["slug"] for c in me["communes"]] == ["xa-a"]
    assert db.session.get(Membership, before) is not None


def test_rotating_twice_keeps_both_old_boards_gone(app, world):
    first = world["a"].join_token
    world["admin"].post("/api/v1/communes/xa-a/rotate-token")
    db.session.expire_all()
    second = db.session.get(Commune, world["a"].id).join_token
    world["admin"].post("/api/v1/communes/xa-a/rotate-token")
    visitor = app.test_client()
    assert visitor.get(f"/j/{first}").status_code == 410
    assert visitor.get(f"/j/{second}").status_code == 410


def test_rotation_is_audited_and_admin_only(world):
    for actor in ("official_a", "official_b", "resident_a"):
        assert world[actor].post("/api/v1/communes/xa-a/rotate-token").status_code == 403
    assert world["admin"].post("/api/v1/communes/nope/rotate-token").status_code == 404
    assert world["admin"].post("/api/v1/communes/xa-a/rotate-token").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "commune.rotate_token"))
    assert event is not None and event.commune_id == world["a"].id
    assert event.actor_name == "admin@example.vn"


def test_rotation_from_the_admin_page(app, world):
    old = world["a"].join_token
    response = world["admin"].post("/admin/communes/xa-a/rotate-token")
    assert response.status_code == 303
    page = world["admin"].get(response.headers["Location"])
    assert 'role="status"' in page.text
    assert app.test_client().get(f"/j/{old}").status_code == 410
    assert world["official_a"].post("/admin/communes/xa-a/rotate-token").status_code == 403
