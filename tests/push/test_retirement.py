"""A subscription that its push service refuses (400/403) again and again is retired, with the
reason kept; refusals of everything (our own VAPID set-up) retire nothing."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.push.models import Delivery, PushSubscription
from app.push.subscriptions import RETIRE_AFTER
from app.push.worker import PushWorker


def _announce(world, title="Thông báo") -> None:
    response = world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": title, "body": "Nội dung."}
    )
    assert response.status_code == 201


def _subscription(endpoint: str) -> PushSubscription:
    db.session.expire_all()
    return db.session.scalars(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).one()


def _worker(app) -> PushWorker:
    """One worker for the whole test: what it learnt of the push service stays with it."""
    return PushWorker(app, idle_sleep=0.01)


def test_refused_again_and_again_it_is_retired_with_the_reason(app, world, device, push_service):
    good, bad = device(world["resident_a"]), device(world["resident_a2"])
    worker = _worker(app)
    _announce(world)
    worker.run(until_idle=True)  # the push service takes our messages
    push_service.respond(403, endpoint=bad["endpoint"])
    for number in range(RETIRE_AFTER):
        assert _subscription(bad["endpoint"]).retired_at is None
        _announce(world, f"Thông báo {number}")
        worker.run(until_idle=True)
    retired = _subscription(bad["endpoint"])
    assert retired.retired_at is not None and retired.failures == RETIRE_AFTER
    assert retired.retired_reason == "HTTP 403: programmed 403"
    assert _subscription(good["endpoint"]).retired_at is None

    # Never sent to again: the next announcement reaches only the good phone.
    requests = push_service.request_count
    _announce(world, "Sau cùng")
    worker.run(until_idle=True)
    assert push_service.request_count == requests + 1
    assert push_service.messages[-1].endpoint == good["endpoint"]
    reach = world["official_a"].get("/api/v1/communes/xa-a/announcements").get_json()
    assert reach["items"][0]["delivery"]["subscriptions"] == 1

    # The browser subscribes again (new keys): it gets a fresh chance.
    again = dict(bad)
    world["resident_a2"].post("/api/v1/push/subscriptions", json=again)
    fresh = _subscription(bad["endpoint"])
    assert fresh.retired_at is None and fresh.failures == 0 and fresh.retired_reason is None


def test_a_success_between_refusals_starts_the_count_again(app, world, device, push_service):
    phone = device(world["resident_a"])
    device(world["resident_a2"])
    worker = _worker(app)
    _announce(world)
    worker.run(until_idle=True)
    for status in (400, 403, None, 400, 403):
        if status is not None:
            push_service.respond(status, times=1, retry_after=0, endpoint=phone["endpoint"])
        _announce(world, f"Tin {status}")
        worker.run(until_idle=True)
    subscription = _subscription(phone["endpoint"])
    assert subscription.retired_at is None and subscription.failures == 2


def test_rate_limits_and_server_errors_never_retire(app, world, device, push_service):
    phone = device(world["resident_a"])
    device(world["resident_a2"])
    worker = _worker(app)
    _announce(world)
    worker.run(until_idle=True)
    for status in (429, 500, 503, 429, 502):
        push_service.respond(status, times=1, retry_after=0, endpoint=phone["endpoint"])
        _announce(world, f"Tin {status}")
        worker.run(until_idle=True)
        db.session.execute(Delivery.__table__.update().values(state="failed"))
        db.session.commit()
    refused = [
        status
        for status, endpoint in push_service.responses
        if endpoint == phone["endpoint"] and status != 201
    ]
    assert refused == [429, 500, 503, 429, 502]  # the last one is never followed by a success
    subscription = _subscription(phone["endpoint"])
    assert subscription.retired_at is None and subscription.failures == 0


def test_when_everything_is_refused_nothing_is_retired(app, world, device, push_service, caplog):
    """The push service refuses every message (e.g. Apple and a placeholder subject): the
    fault is ours, and retiring would lose every phone."""
    phones = [device(world["resident_a"]) for _ in range(3)]
    push_service.respond(403)
    worker = _worker(app)
    for number in range(RETIRE_AFTER + 1):
        _announce(world, f"Tin {number}")
        with caplog.at_level("CRITICAL", logger="app.push.sender"):
            worker.run(until_idle=True)
    for phone in phones:
        subscription = _subscription(phone["endpoint"])
        assert subscription.retired_at is None and subscription.failures == 0
    assert any("VAPID" in record.message for record in caplog.records)
