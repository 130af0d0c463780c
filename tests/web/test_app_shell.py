"""The installable app's server side: manifest, service worker, assets, settings, inbox."""

from __future__ import annotations

import gzip

from sqlalchemy import func, select

from app.extensions import db
from app.membership.models import Membership
from app.push.models import PushSubscription


def test_manifest_starts_in_the_members_group(world):
    manifest = world["resident_a"].get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["display"] == "standalone" and data["start_url"] == "/c/xa-a"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "maskable"), ("512x512", "maskable"), ("192x192", "any")} <= sizes


def test_service_worker_at_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"


def test_assets_are_hashed_cached_and_compressed(client):
    page = client.get("/login").text
    start = page.index("/assets/")
    url = page[start : page.index('"', start)]
    response = client.get(url, headers={"Accept-Encoding": "gzip, br;q=0.5"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"{" in gzip.decompress(response.data)


def test_pages_are_compressed_and_carry_security_headers(client):
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_language_switch_is_remembered(client, make_commune):
    commune = make_commune()
    english = client.get(f"/lang/en?next=/j/{commune.join_token}")
    assert english.status_code == 303
    assert "lang=en" in english.headers["Set-Cookie"]
    assert "Join the group" in client.get(f"/j/{commune.join_token}").text
    client.get("/lang/vi")
    assert "Tham gia nhóm" in client.get(f"/j/{commune.join_token}").text


def test_settings_turn_notifications_off(world):
    resident = world["resident_a"]
    assert resident.get("/c/xa-a/settings").status_code == 200
    saved = resident.post("/c/xa-a/settings", data={"discussion": "on"})
    assert saved.status_code == 303
    prefs = resident.get("/api/v1/communes/xa-a/notifications").get_json()
    assert prefs == {
        "answers": False,
        "discussion": True,
        "announcements": False,
        "new_threads": False,
    }


def test_leaving_the_last_group_drops_push_subscriptions(world):
    resident = world["resident_a"]
    db.session.add(
        PushSubscription(
            account_id=db.session.scalar(select(Membership.account_id).limit(1).offset(3)),
            endpoint="https://fcm.googleapis.com/fcm/send/x",
            p256dh="x",
            auth="y",
        )
    )
    db.session.commit()
    me = resident.get("/api/v1/me").get_json()
    response = resident.delete("/api/v1/communes/xa-a/membership")
    assert response.status_code == 204
    count = select(func.count(Membership.id)).where(Membership.account_id == me["id"])
    assert db.session.scalar(count) == 0
    assert resident.get("/api/v1/communes/xa-a/threads").status_code == 403


def test_inbox_shows_unanswered_first(world):
    resident, official = world["resident_a"], world["official_a"]
    ids = []
    for body in ("Một", "Hai", "Ba"):
        ids.append(
            resident.post(
                "/api/v1/communes/xa-a/threads",
                json={"kind": "question", "body": body, "visibility": "public"},
            ).get_json()["id"]
        )
    official.post(f"/api/v1/threads/{ids[0]}/replies", json={"body": "Đã trả lời"})
    page = official.get("/c/xa-a/inbox", follow_redirects=True).text
    assert page.index("Hai") < page.index("Ba") < page.index("Một")
    assert resident.get("/c/xa-a/inbox").status_code == 403
    assert world["official_b"].get("/c/xa-a/inbox").status_code == 403


def test_the_first_inbox_address_leads_to_the_one_inbox(world):
    """/c/<slug>/inbox keeps answering: a redirect to /w/<slug>, with the same query string."""
    response = world["official_a"].get("/c/xa-a/inbox?status=all&q=%C4%91%C3%A8n")
    assert response.status_code == 302
    assert response.headers["Location"] == "/w/xa-a?status=all&q=%C4%91%C3%A8n"
    assert world["official_a"].get("/c/xa-a/inbox").headers["Location"] == "/w/xa-a"
