"""Deleting an account removes every trace docs/privacy.md says it removes, files included."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.membership.models import Invitation
from app.threads.models import Flag, Thread
from app.threads.photos import photo_keys
from tests.admin.test_invites import NEW_PASSWORD, invite, token_of
from tests.threads.test_photos import jpeg_with_gps, post_photo


def _stored(media, thread_id: int) -> list[bool]:
    """Whether each object of the thread's photo (full, small) is in the storage."""
    keys = photo_keys(db.session.get(Thread, thread_id).photo_name)
    return [media.get(key) is not None for key in keys]


def test_deleting_posts_deletes_their_photo_files(world, media):
    resident = world["resident_a"]
    thread_id = post_photo(resident, "xa-a", jpeg_with_gps(800, 600)).get_json()["id"]
    keys = photo_keys(db.session.get(Thread, thread_id).photo_name)
    assert _stored(media, thread_id) == [True, True]
    assert resident.delete("/api/v1/me?delete_posts=1").status_code == 204
    assert [media.get(key) for key in keys] == [None, None]
    assert list(media.objects()) == []


def test_leaving_with_posts_deletes_their_photo_files(world, media):
    resident = world["resident_a"]
    thread_id = post_photo(resident, "xa-a", jpeg_with_gps(800, 600)).get_json()["id"]
    assert _stored(media, thread_id) == [True, True]
    assert resident.delete("/api/v1/communes/xa-a/membership?delete_posts=1").status_code == 204
    assert list(media.objects()) == []


def test_a_kept_report_keeps_its_photo(world, media):
    resident = world["resident_a"]
    thread_id = post_photo(resident, "xa-a", jpeg_with_gps(800, 600)).get_json()["id"]
    assert resident.delete("/api/v1/me").status_code == 204
    # The report stays, anonymous, with its photo (docs/privacy.md).
    assert _stored(media, thread_id) == [True, True]


def test_a_deleted_residents_flags_leave_no_name_and_no_reason(world):
    thread_id = (
        world["resident_a"]
        .post("/api/v1/communes/xa-a/threads", json={"kind": "question", "body": "Hỏi về đường"})
        .get_json()["id"]
    )
    flagger = world["resident_a2"]
    flagged = flagger.post(
        f"/api/v1/threads/{thread_id}/flag", json={"reason": "Anh Minh ở số 5 nói"}
    )
    assert flagged.status_code == 201
    assert flagger.delete("/api/v1/me").status_code == 204
    assert db.session.scalar(select(func.count(Flag.id))) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "thread.flag"))
    assert event is not None  # that someone flagged the thread stays on record
    assert (event.actor_id, event.actor_name, event.reason) == (None, "former member", None)
    log = world["official_a"].get("/api/v1/audit").get_json()["items"]
    assert "Anh Minh" not in str(log)


def test_a_deleted_officials_invitations_go(app, world):
    response = invite(world["admin"], email="moi@example.vn")
    official = app.test_client()
    accepted = official.post(
        f"/api/v1/invites/{token_of(response)}/accept",
        json={"display_name": "Cán bộ mới", "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 201
    invite(world["admin"], email="Moi@Example.vn", communes=("xa-b",))  # a second, pending
    assert official.delete("/api/v1/me").status_code == 204
    emails = db.session.scalars(select(Invitation.email)).all()
    assert [email for email in emails if email.lower() == "moi@example.vn"] == []


def test_export_holds_flags_and_sessions(world):
    thread_id = (
        world["resident_a"]
        .post("/api/v1/communes/xa-a/threads", json={"kind": "question", "body": "Hỏi"})
        .get_json()["id"]
    )
    flagger = world["resident_a2"]
    flagger.post(f"/api/v1/threads/{thread_id}/flag", json={"reason": "Sai chỗ"})
    data = flagger.get("/api/v1/me/export").get_json()
    assert [flag["reason"] for flag in data["flags"]] == ["Sai chỗ"]
    assert len(data["sessions"]) == 1
