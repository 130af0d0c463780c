"""The subscription contract: the key, subscribing, updating, unsubscribing, allowed hosts."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.push.endpoints import EndpointNotAllowed, check_endpoint, parse_allowed_hosts
from app.push.models import PushSubscription


def test_public_key_is_an_uncompressed_p256_point(client):
    key = client.get("/api/v1/push/key").get_json()["public_key"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    assert "=" not in key


def test_subscribe_update_unsubscribe(world, push_service):
    resident = world["resident_a"]
    subscription = push_service.new_subscription()
    assert resident.post("/api/v1/push/subscriptions", json=subscription).status_code == 201
    # The same endpoint again (new keys after a pushsubscriptionchange) updates it.
    renewed = push_service.new_subscription()
    renewed["endpoint"] = subscription["endpoint"]
    again = resident.post("/api/v1/push/subscriptions", json=renewed)
    assert again.status_code == 200
    stored = db.session.scalar(select(PushSubscription))
    assert stored.p256dh == renewed["keys"]["p256dh"]
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 1
    # Someone else cannot remove it.
    world["resident_a2"].delete(
        "/api/v1/push/subscriptions", json={"endpoint": subscription["endpoint"]}
    )
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 1
    gone = resident.delete(
        "/api/v1/push/subscriptions", json={"endpoint": subscription["endpoint"]}
    )
    assert gone.status_code == 204
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 0


def test_officials_subscribe_too(world, push_service):
    response = world["official_a"].post(
        "/api/v1/push/subscriptions", json=push_service.new_subscription()
    )
    assert response.status_code == 201


def test_signed_out_cannot_subscribe(client, push_service):
    response = client.post("/api/v1/push/subscriptions", json=push_service.new_subscription())
    assert response.status_code == 401


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example/push/1",
        "http://fcm.googleapis.com/fcm/send/abc",  # real service, but not https
        "https://169.254.169.254/latest/meta-data",
        "https://user:pw@fcm.googleapis.com/x",
        "ftp://127.0.0.1/x",
        "not a url",
    ],
)
def test_endpoints_outside_the_allowed_hosts_are_refused(world, push_service, endpoint):
    subscription = push_service.new_subscription()
    subscription["endpoint"] = endpoint
    response = world["resident_a"].post("/api/v1/push/subscriptions", json=subscription)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "endpoint"


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "AAAA", "auth": "BBBB"},
        {"p256dh": None, "auth": "x"},
        "not an object",
        {"p256dh": "B" * 87, "auth": "A" * 22},  # right length, not on the curve
    ],
)
def test_bad_keys_are_refused(world, push_service, keys):
    subscription = push_service.new_subscription()
    subscription["keys"] = keys
    response = world["resident_a"].post("/api/v1/push/subscriptions", json=subscription)
    assert response.status_code == 422


def test_bad_expiration_time_is_refused(world, push_service):
    subscription = push_service.new_subscription()
    subscription["expirationTime"] = "tomorrow"
    response = world["resident_a"].post("/api/v1/push/subscriptions", json=subscription)
    assert response.status_code == 422


def test_default_hosts_are_the_real_push_services():
    rules = parse_allowed_hosts(None)
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QG8y",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ):
        check_endpoint(endpoint, rules)
    for endpoint in ("http://127.0.0.1:8080/push", "https://notify.windows.com.evil.example/x"):
        with pytest.raises(EndpointNotAllowed):
            check_endpoint(endpoint, rules)


def test_host_with_port_admits_only_that_port():
    rules = parse_allowed_hosts("push.example.vn:8443, 127.0.0.1")
    check_endpoint("https://push.example.vn:8443/x", rules)
    check_endpoint("http://127.0.0.1:5000/x", rules)
    with pytest.raises(EndpointNotAllowed):
        check_endpoint("https://push.example.vn/x", rules)


def test_signing_out_deletes_that_browsers_subscription_only(world, push_service, login):
    """A signed-out phone must hear nothing more of the account (officials-only reports
    included); the same account's other devices keep theirs."""
    official = world["official_a"]
    desk = login("official.a@example.vn")  # the same official on a second browser
    phone_subscription = push_service.new_subscription()
    assert official.post("/api/v1/push/subscriptions", json=phone_subscription).status_code == 201
    assert (
        desk.post("/api/v1/push/subscriptions", json=push_service.new_subscription()).status_code
        == 201
    )

    assert official.post("/api/v1/auth/logout").status_code == 204
    endpoints = db.session.scalars(select(PushSubscription.endpoint)).all()
    assert phone_subscription["endpoint"] not in endpoints
    assert len(endpoints) == 1


def _page_says(client) -> str | None:
    """What the settings page's invitation says the server holds for this browser."""
    page = client.get("/c/xa-a/settings").get_data(as_text=True)
    match = re.search(r'data-push="(\w+)"', page)
    return match.group(1) if match else None


def test_the_page_says_on_only_for_this_browsers_live_subscription(world, push_service, login):
    """Issue 17: "on" only when the server holds a subscription made in this sign-in session;
    the same account's other browser, or a retired subscription, does not count."""
    official = world["official_a"]
    desk = login("official.a@example.vn")
    assert _page_says(official) == "off"
    assert (
        desk.post("/api/v1/push/subscriptions", json=push_service.new_subscription()).status_code
        == 201
    )
    assert _page_says(official) == "off" and _page_says(desk) == "on"

    assert (
        official.post(
            "/api/v1/push/subscriptions", json=push_service.new_subscription()
        ).status_code
        == 201
    )
    assert _page_says(official) == "on"
    db.session.execute(update(PushSubscription).values(retired_at=func.now()))
    db.session.commit()
    assert _page_says(official) == "off" and _page_says(desk) == "off"
