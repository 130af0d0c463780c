"""How the worker treats each push service answer, and what a killed worker leaves behind."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models_base import as_utc, utcnow
from app.push.models import Delivery, PushSubscription
from app.push.worker import PushWorker


def _announce(world, title="Thông báo", body="Nội dung thông báo"):
    response = world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": title, "body": body}
    )
    assert response.status_code == 201
    return response.get_json()["id"]


def _only_delivery() -> Delivery:
    [delivery] = db.session.scalars(select(Delivery)).all()
    db.session.refresh(delivery)
    return delivery


def _make_due() -> None:
    db.session.execute(update(Delivery).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_gone_subscription_is_deleted_and_never_retried(world, device, deliver, push_service):
    for status in (404, 410):
        subscription = device(world["resident_a"])
        push_service.respond(status, endpoint=subscription["endpoint"])
    _announce(world)
    deliver()
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 0
    states = db.session.scalars(select(Delivery.state)).all()
    assert sorted(states) == ["expired", "expired"]
    requests_before = push_service.request_count
    _make_due()
    deliver()
    assert push_service.request_count == requests_before


def test_payload_too_large_is_shrunk_once(world, device, deliver, push_service):
    device(world["resident_a"])
    push_service.respond(413, times=1)
    _announce(world, body="Một thông báo dài " * 20)
    deliver()
    [message] = push_service.messages
    assert len(message.json["notification"]["body"]) <= 40
    assert _only_delivery().state == "sent"


def test_payload_too_large_twice_fails(world, device, deliver, push_service):
    device(world["resident_a"])
    push_service.respond(413, times=2)
    _announce(world)
    deliver()
    delivery = _only_delivery()
    assert delivery.state == "failed" and delivery.last_status == 413
    assert push_service.messages == []


def test_server_errors_retry_with_backoff_then_deliver(world, device, deliver, push_service):
    device(world["resident_a"])
    push_service.respond(500, times=2)
    _announce(world)
    before = utcnow()
    deliver()
    delivery = _only_delivery()
    assert delivery.state == "pending" and delivery.attempts == 1
    # 10 s base backoff with jitter: between 5 and 10 seconds from now.
    delay = (as_utc(delivery.next_attempt_at) - before).total_seconds()
    assert 4 <= delay <= 11
    _make_due()
    deliver()
    delivery = _only_delivery()
    assert delivery.state == "pending" and delivery.attempts == 2
    second_delay = (as_utc(delivery.next_attempt_at) - utcnow()).total_seconds()
    assert 9 <= second_delay <= 21
    _make_due()
    deliver()
    assert _only_delivery().state == "sent"
    assert len(push_service.messages) == 1


def test_retries_stop_at_the_ttl(world, device, deliver, push_service):
    device(world["resident_a"])
    push_service.respond(503)
    _announce(world)
    deliver()
    # Pretend the message is about to expire: the next backoff would pass its TTL.
    from app.push.models import PushMessage

    db.session.execute(update(PushMessage).values(expires_at=utcnow() + timedelta(seconds=3)))
    _make_due()
    deliver()
    delivery = _only_delivery()
    assert delivery.state == "failed" and delivery.attempts == 2


def test_too_many_requests_defers_the_whole_push_service(app, world, device, push_service):
    device(world["resident_a"])
    device(world["resident_a2"])
    # Whichever delivery the worker claims first meets the 429 (the outbox's order among
    # deliveries made in one expansion is the database's, not the audience's).
    push_service.respond(429, times=1, retry_after=120)
    _announce(world)
    worker = PushWorker(app, batch_size=1, concurrency=1, idle_sleep=0.01)
    worker.run(until_idle=True)
    deliveries = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    for delivery in deliveries:
        db.session.refresh(delivery)
    assert [d.state for d in deliveries] == ["pending", "pending"]
    # Only one request was made: the second delivery was held back without being sent.
    assert push_service.request_count == 1
    for delivery in deliveries:
        wait = (as_utc(delivery.next_attempt_at) - utcnow()).total_seconds()
        assert 100 < wait <= 120


def test_client_errors_fail_without_retry(world, device, deliver, push_service):
    """Nothing was ever accepted here, so the refusals are not held against the subscriptions
    (tests/push/test_retirement.py)."""
    for status in (400, 401, 403):
        push_service.respond(status, endpoint=device(world["resident_a"])["endpoint"])
    _announce(world)
    deliver()
    deliveries = db.session.scalars(select(Delivery)).all()
    assert sorted(d.last_status for d in deliveries) == [400, 401, 403]
    assert {d.state for d in deliveries} == {"failed"}
    assert db.session.scalar(select(func.count(PushSubscription.id))) == 3


def test_repeated_auth_rejections_say_vapid_is_wrong(world, device, deliver, push_service, caplog):
    for _ in range(3):
        device(world["resident_a"])
    push_service.respond(403)
    _announce(world)
    with caplog.at_level("CRITICAL", logger="app.push.sender"):
        deliver()
    assert any("VAPID" in record.message for record in caplog.records)


def test_killed_worker_rows_are_taken_over_after_the_lease(app, world, device, push_service):
    for _ in range(5):
        device(world["resident_a"])
    _announce(world)
    dead = PushWorker(app, lease_seconds=0.5)
    dead.outbox.expand_new()
    claimed = dead.outbox.claim(10)  # ... and the process dies before sending anything
    assert len(claimed) == 5
    survivor = PushWorker(app, lease_seconds=30, idle_sleep=0.05)
    assert survivor.outbox.claim(10) == []  # still leased
    time.sleep(0.6)
    survivor.run(until_idle=True)
    assert len(push_service.messages) == 5
    assert len({m.endpoint for m in push_service.messages}) == 5
    assert set(db.session.scalars(select(Delivery.state))) == {"sent"}


def test_payload_is_compact_json_within_size(world, device, deliver, push_service):
    device(world["resident_a"])
    _announce(world, title="T" * 200, body="Nội dung rất dài. " * 200)
    deliver()
    [message] = push_service.messages
    assert len(message.payload) <= 3000
    notification = json.loads(message.payload)["notification"]
    assert notification["body"].endswith("…") and len(notification["body"]) <= 140


def test_a_live_worker_keeps_its_rows_past_the_lease(app, world, device, push_service):
    """Renewal: rows a worker holds (here, claimed and not yet sent) stay its own for as long as
    it lives, even past the lease; once given back, nothing of it is renewed."""
    device(world["resident_a"])
    _announce(world)
    slow = PushWorker(app, lease_seconds=0.3)
    slow.outbox.expand_new()
    [job] = slow.outbox.claim(10)
    time.sleep(0.4)  # the lease has ended...
    slow.outbox.renew()  # ...but the worker is alive and renews it
    other = PushWorker(app, lease_seconds=30)
    assert other.outbox.claim(10) == []
    row = db.session.get(Delivery, job.delivery_id)
    assert as_utc(row.lease_until) > utcnow() + timedelta(seconds=0.1)
    slow.outbox.release([job])
    assert not slow.outbox.held
    assert [claimed.delivery_id for claimed in other.outbox.claim(10)] == [job.delivery_id]
