"""Inviting officials by a one-time link; revoking invitations and officials."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Account
from app.audit.models import AuditEvent
from app.extensions import db
from app.membership.models import Invitation, Membership
from app.models_base import as_utc, utcnow
from tests.conftest import BASE_URL

NEW_PASSWORD = "a long new password"


def invite(client, email="moi@example.vn", communes=("xa-a",), **extra):
    return client.post(
        "/api/v1/invites", json={"email": email, "communes": list(communes), **extra}
    )


def token_of(response) -> str:
    url = response.get_json()["invite_url"]
    assert url.startswith(f"{BASE_URL}/invite/")
    return url.rsplit("/", 1)[1]


def roles_of(email: str) -> dict[str, str]:
    db.session.expire_all()
    account = db.session.scalar(select(Account).where(Account.email == email))
    if account is None:
        return {}
    return {
        m.commune.slug: m.role
        for m in db.session.scalars(select(Membership).where(Membership.account_id == account.id))
    }


def test_invite_accept_makes_an_official_signed_in(app, world):
    response = invite(world["admin"], communes=["xa-a", "xa-b"], display_name="Anh Tư")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    token = token_of(response)
    assert len(token) >= 43  # 256 random bits, URL-safe
    expires = as_utc(db.session.get(Invitation, body["id"]).expires_at)
    assert timedelta(days=6, hours=23) < expires - utcnow() <= timedelta(days=7)
    assert body["expires_at"].endswith("Z")
    # Only a digest of the token is stored.
    stored = db.session.get(Invitation, body["id"]).token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()

    official = app.test_client()
    accepted = official.post(
        f"/api/v1/invites/{token}/accept",
        json={"display_name": "Cán bộ Tư", "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["user"]["email"] == "moi@example.vn"
    me = official.get("/api/v1/me").get_json()
    assert me["signed_in"] and me["kind"] == "official" and me["display_name"] == "Cán bộ Tư"
    assert roles_of("moi@example.vn") == {"xa-a": "official", "xa-b": "official"}
    # The password set through the link is the account's password.
    login = app.test_client().post(
        "/api/v1/auth/login", json={"email": "moi@example.vn", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("invitation.create") == 2 and actions.count("invitation.accept") == 2


def test_an_invitation_works_once(app, world):
    token = token_of(invite(world["admin"]))
    first = app.test_client().post(
        f"/api/v1/invites/{token}/accept", json={"display_name": "A", "password": NEW_PASSWORD}
    )
    assert first.status_code == 201
    again = app.test_client().post(
        f"/api/v1/invites/{token}/accept", json={"display_name": "B", "password": NEW_PASSWORD}
    )
    assert again.status_code == 410
    assert again.get_json()["error"]["code"] == "gone"
    page = app.test_client().get(f"/invite/{token}")
    assert page.status_code == 410 and 'role="alert"' in page.text
    assert (
        db.session.scalar(select(Account.display_name).where(Account.email == "moi@example.vn"))
        == "A"
    )


def test_an_expired_invitation_cannot_be_used(app, world):
    body = invite(world["admin"])
    token = token_of(body)
    invitation = db.session.get(Invitation, body.get_json()["id"])
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().post(
        f"/api/v1/invites/{token}/accept", json={"display_name": "A", "password": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == "gone"
    assert roles_of("moi@example.vn") == {}
    assert world["admin"].get("/api/v1/invites").get_json()["items"] == []


def test_a_revoked_invitation_cannot_be_used(app, world):
    created = invite(world["admin"])
    token = token_of(created)
    listed = world["admin"].get("/api/v1/invites").get_json()["items"]
    assert [item["email"] for item in listed] == ["moi@example.vn"]
    assert listed[0]["communes"] == ["xa-a"]
    assert "invite_url" not in listed[0]  # the link is shown once, at creation
    invitation_id = created.get_json()["id"]
    assert world["admin"].delete(f"/api/v1/invites/{invitation_id}").status_code == 204
    assert world["admin"].delete(f"/api/v1/invites/{invitation_id}").status_code == 204
    assert world["admin"].get("/api/v1/invites").get_json()["items"] == []
    response = app.test_client().post(
        f"/api/v1/invites/{token}/accept", json={"display_name": "A", "password": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert world["admin"].delete("/api/v1/invites/99999").status_code == 404


def test_accept_validation_leaves_the_invitation_usable(app, world):
    token = token_of(invite(world["admin"]))
    client = app.test_client()
    url = f"/api/v1/invites/{token}/accept"
    assert client.post(url, json={"display_name": "A", "password": "short"}).status_code == 422
    assert client.post(url, json={"display_name": "", "password": NEW_PASSWORD}).status_code == 422
    assert client.post(url, json={"display_name": "A", "password": 5}).status_code == 422
    assert (
        client.post(url, json={"display_name": "A", "password": "\ud800" * 12}).status_code == 422
    )
    assert client.post(url, json={"display_name": "A", "password": NEW_PASSWORD}).status_code == 201
    assert (
        app.test_client()
        .post(
            "/api/v1/invites/" + "x" * 43 + "/accept",
            json={"display_name": "A", "password": NEW_PASSWORD},
        )
        .status_code
        == 404
    )


def test_invite_validation(world):
    admin = world["admin"]
    assert invite(admin, email="not an email").status_code == 422
    assert invite(admin, communes=[]).status_code == 422
    assert invite(admin, communes=["nope"]).status_code == 422
    assert (
        admin.post("/api/v1/invites", json={"email": "a@b.vn", "communes": "xa-a"}).status_code
        == 201
    )
    assert (
        admin.post("/api/v1/invites", json={"email": "a@b.vn", "communes": [1]}).status_code == 422
    )
    for actor in ("official_a", "resident_a"):
        assert invite(world[actor]).status_code == 403
        assert world[actor].get("/api/v1/invites").status_code == 403


def test_an_existing_account_accepts_while_signed_in(app, world, login):
    token = token_of(invite(world["admin"], email="official.a@example.vn", communes=["xa-b"]))
    stranger = app.test_client().post(
        f"/api/v1/invites/{token}/accept", json={"display_name": "X", "password": NEW_PASSWORD}
    )
    assert stranger.status_code == 409  # nobody takes over an account through a link
    accepted = world["official_a"].post(f"/api/v1/invites/{token}/accept", json={})
    assert accepted.status_code == 200
    assert roles_of("official.a@example.vn") == {"xa-a": "official", "xa-b": "official"}
    # The password did not change.
    assert login("official.a@example.vn").get("/api/v1/me").get_json()["signed_in"]


def test_revoking_an_official_ends_their_sessions_at_once(world):
    official = world["official_a"]
    assert official.get("/api/v1/communes/xa-a/threads").status_code == 200
    account_id = db.session.scalar(
        select(Account.id).where(Account.email == "official.a@example.vn")
    )
    listed = world["admin"].get("/api/v1/communes/xa-a/officials").get_json()["items"]
    assert [item["id"] for item in listed] == [account_id]
    response = world["admin"].delete(f"/api/v1/communes/xa-a/officials/{account_id}")
    assert response.status_code == 204
    assert official.get("/api/v1/me").get_json()["signed_in"] is False
    assert official.get("/api/v1/communes/xa-a/threads").status_code == 401
    assert roles_of("official.a@example.vn") == {}
    assert world["admin"].delete(f"/api/v1/communes/xa-a/officials/{account_id}").status_code == 404
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "official.revoke"))
    assert event.target_id == account_id and event.commune_id == world["a"].id


def test_revoke_official_everywhere(world, make_staff, login):
    both = make_staff("both@example.vn", communes=(world["a"], world["b"]))
    client = login("both@example.vn")
    response = world["admin"].delete(f"/api/v1/officials/{both.id}")
    assert response.status_code == 200
    assert sorted(response.get_json()["communes"]) == ["xa-a", "xa-b"]
    assert roles_of("both@example.vn") == {}
    assert client.get("/api/v1/me").get_json()["signed_in"] is False
    assert world["admin"].delete(f"/api/v1/officials/{both.id}").status_code == 404


def test_official_revocation_roles(world):
    account_id = db.session.scalar(
        select(Account.id).where(Account.email == "official.a@example.vn")
    )
    b_id = db.session.scalar(select(Account.id).where(Account.email == "official.b@example.vn"))
    # An official never acts on another commune, nor on their own colleagues.
    assert (
        world["official_b"].delete(f"/api/v1/communes/xa-a/officials/{account_id}").status_code
        == 403
    )
    assert (
        world["official_a"].delete(f"/api/v1/communes/xa-a/officials/{account_id}").status_code
        == 403
    )
    assert world["official_a"].get("/api/v1/communes/xa-a/officials").status_code == 403
    assert world["official_a"].delete(f"/api/v1/officials/{b_id}").status_code == 403
    # Not an official of that commune: not found.
    assert world["admin"].delete(f"/api/v1/communes/xa-a/officials/{b_id}").status_code == 404
    assert roles_of("official.a@example.vn") == {"xa-a": "official"}


def test_invitation_pages(app, world):
    admin = world["admin"]
    form = admin.get("/admin/invites?commune=xa-a")
    assert form.status_code == 200
    # One checkbox per commune (no Ctrl-click list); the commune the admin came from is ticked.
    assert 'type="checkbox" name="communes" value="xa-a" checked' in form.text
    assert 'type="checkbox" name="communes" value="xa-b">' in form.text
    assert "<select" not in form.text.split('name="communes"')[0].rsplit("<fieldset", 1)[1]
    created = admin.post(
        "/admin/invites", data={"email": "trang@example.vn", "communes": ["xa-a", "xa-b"]}
    )
    assert created.status_code == 201
    assert f"{BASE_URL}/invite/" in created.text and "trang@example.vn" in created.text
    link = created.text.split(f"{BASE_URL}/invite/")[1].split('"')[0]
    assert "data-copy hidden" in created.text  # app.js shows the copy button
    bad = admin.post("/admin/invites", data={"email": "x", "communes": ["xa-a"]})
    assert bad.status_code == 422 and 'role="alert"' in bad.text

    official = app.test_client()
    page = official.get(f"/invite/{link}")
    assert page.status_code == 200
    assert "Xã A" in page.text and "Xã B" in page.text and "trang@example.vn" in page.text
    mismatch = official.post(
        f"/invite/{link}",
        data={"display_name": "Trang", "password": NEW_PASSWORD, "password_again": "other one!!"},
    )
    assert mismatch.status_code == 422 and 'role="alert"' in mismatch.text
    done = official.post(
        f"/invite/{link}",
        data={"display_name": "Trang", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert done.status_code == 303
    assert official.get("/api/v1/me").get_json()["display_name"] == "Trang"
    assert roles_of("trang@example.vn") == {"xa-a": "official", "xa-b": "official"}
    assert official.get(f"/invite/{link}").status_code == 410
    assert app.test_client().get("/invite/unknown").status_code == 404


def test_revoking_from_the_pages(world):
    admin = world["admin"]
    created = invite(admin).get_json()
    revoked = admin.post(f"/admin/invites/{created['id']}/revoke")
    assert revoked.status_code == 303
    assert "moi@example.vn" not in admin.get("/admin/invites").text
    account_id = db.session.scalar(
        select(Account.id).where(Account.email == "official.a@example.vn")
    )
    gone = admin.post(f"/admin/communes/xa-a/officials/{account_id}/revoke")
    assert gone.status_code == 303
    assert world["official_a"].get("/api/v1/me").get_json()["signed_in"] is False
    for actor in ("official_b", "resident_a"):
        assert world[actor].post(f"/admin/invites/{created['id']}/revoke").status_code == 403
        assert world[actor].get("/admin/invites").status_code == 403
