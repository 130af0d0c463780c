"""The outbox's SQL on its own: expansion, leases between two workers, and writing decisions
back (with what they mean for the subscriptions)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Account
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.push.jobs import Decision, SubscriptionEffect
from app.push.models import KIND_ANNOUNCEMENT, Delivery, PushMessage, PushSubscription
from app.push.outbox import Outbox, expand
from app.push.subscriptions import RETIRE_AFTER


def _outbox(audience=None, lease_seconds: float = 30.0) -> Outbox:
    return Outbox(
        owner=str(uuid.uuid4()),
        lease=timedelta(seconds=lease_seconds),
        audience=audience or (lambda _message: select(PushSubscription.id)),
        postgres=db.engine.dialect.name == "postgresql",
    )


def _subscribed(count: int, failures: int = 0) -> list[PushSubscription]:
    subscriptions = []
    for number in range(count):
        account = Account(display_name=f"Người {number}")
        db.session.add(account)
        db.session.flush()
        subscription = PushSubscription(
            account_id=account.id,
            endpoint=f"https://fcm.googleapis.com/fcm/send/{account.id}",
            p256dh="k",
            auth="a",
            failures=failures,
        )
        db.session.add(subscription)
        subscriptions.append(subscription)
    db.session.flush()
    return subscriptions


def _message(commune) -> PushMessage:
    message = PushMessage(
        kind=KIND_ANNOUNCEMENT,
        commune_id=commune.id,
        payload="{}",
        topic="a1",
        urgency="normal",
        expires_at=utcnow() + timedelta(days=1),
    )
    db.session.add(message)
    db.session.flush()
    return message


def test_expansion_writes_one_pending_delivery_per_target(make_commune):
    commune = make_commune("xa-a", "Xã A")
    subscriptions = _subscribed(3)
    message = _message(commune)
    wanted = [subscriptions[0].id, subscriptions[2].id]
    outbox = _outbox(lambda _m: select(PushSubscription.id).where(PushSubscription.id.in_(wanted)))
    db.session.commit()
    assert outbox.expand_new() is True
    rows = db.session.scalars(select(Delivery).order_by(Delivery.subscription_id)).all()
    assert [(row.subscription_id, row.state, row.attempts) for row in rows] == [
        (wanted[0], "pending", 0),
        (wanted[1], "pending", 0),
    ]
    assert db.session.get(PushMessage, message.id).expanded is True
    assert outbox.expand_new() is False  # nothing new
    assert outbox.has_due_work() is True


def test_a_large_audience_is_expanded_a_batch_per_round_in_subscription_order(make_commune):
    commune = make_commune("xa-a", "Xã A")
    subscriptions = _subscribed(7)
    message = _message(commune)
    db.session.commit()
    outbox = _outbox()

    def written() -> list[int]:
        query = select(Delivery.subscription_id).where(Delivery.message_id == message.id)
        return sorted(db.session.scalars(query))

    ids = [subscription.id for subscription in subscriptions]
    assert outbox.expand_new(batch=3) is True
    assert written() == ids[:3]
    assert db.session.get(PushMessage, message.id).expanded is False
    assert outbox.has_due_work() is True
    assert outbox.claim(10) != []  # the first batch is sendable before the rest is written
    assert outbox.expand_new(batch=3) is True
    assert written() == ids[:6]
    assert outbox.expand_new(batch=3) is True
    assert written() == ids
    db.session.expire_all()
    assert db.session.get(PushMessage, message.id).expanded is True
    assert outbox.expand_new(batch=3) is False


def test_expansion_resumes_after_the_last_written_even_when_that_subscription_is_gone(
    make_commune,
):
    commune = make_commune("xa-a", "Xã A")
    subscriptions = _subscribed(5)
    message = _message(commune)
    db.session.commit()
    outbox = _outbox()
    assert outbox.expand_new(batch=2) is True
    # The push service said the second one is gone: its delivery keeps a NULL subscription.
    db.session.delete(db.session.get(PushSubscription, subscriptions[1].id))
    db.session.commit()
    while outbox.expand_new(batch=2):
        pass
    rows = db.session.scalars(
        select(Delivery.subscription_id).where(Delivery.message_id == message.id)
    )
    assert sorted(rows, key=lambda value: value or 0) == [
        None,
        subscriptions[0].id,
        *(subscription.id for subscription in subscriptions[2:]),
    ]


def test_a_leased_row_is_claimed_by_one_worker_until_released(make_commune):
    commune = make_commune("xa-a", "Xã A")
    _subscribed(4)
    expand(_message(commune), select(PushSubscription.id))
    db.session.commit()
    first, second = _outbox(), _outbox(lease_seconds=31)
    taken = first.claim(3)
    assert len(taken) == 3 and first.held == {job.delivery_id for job in taken}
    rest = second.claim(10)
    assert len(rest) == 1 and not {job.delivery_id for job in rest} & first.held
    assert second.claim(10) == []
    first.release(taken[:1])
    assert [job.delivery_id for job in second.claim(10)] == [taken[0].delivery_id]


def test_record_writes_each_decision_and_its_effect_on_the_subscription(make_commune):
    commune = make_commune("xa-a", "Xã A")
    gone, recovered, refused, stale = _subscribed(4, failures=RETIRE_AFTER - 1)
    expand(_message(commune), select(PushSubscription.id))
    db.session.commit()
    outbox = _outbox()
    jobs = {job.subscription_id: job for job in outbox.claim(10)}
    later = utcnow() + timedelta(minutes=5)

    def decided(state: str, effect: SubscriptionEffect, **extra) -> Decision:
        return Decision(
            state, 1, extra.pop("status", None), None, False, subscription=effect, **extra
        )

    outbox.record(
        [
            (jobs[gone.id], decided("expired", SubscriptionEffect.DELETE, status=410)),
            (jobs[recovered.id], decided("sent", SubscriptionEffect.CLEAR_FAILURES, status=201)),
            (
                jobs[refused.id],
                decided("failed", SubscriptionEffect.RETIRE, status=403, refusal="HTTP 403: no"),
            ),
            # A worker that saw fewer refusals than are stored: the stored count retires it.
            (
                jobs[stale.id],
                decided(
                    "pending",
                    SubscriptionEffect.COUNT_REFUSAL,
                    status=400,
                    refusal="HTTP 400: bad",
                    next_attempt_at=later,
                ),
            ),
        ]
    )
    assert outbox.held == set()
    db.session.expire_all()
    assert db.session.get(PushSubscription, gone.id) is None
    assert db.session.get(PushSubscription, recovered.id).failures == 0
    for subscription, reason in ((refused, "HTTP 403: no"), (stale, "HTTP 400: bad")):
        row = db.session.get(PushSubscription, subscription.id)
        assert row.retired_at is not None and row.retired_reason == reason
        assert row.failures == RETIRE_AFTER
    deliveries = {row.id: row for row in db.session.scalars(select(Delivery))}
    sent = deliveries[jobs[recovered.id].delivery_id]
    assert sent.state == "sent" and sent.sent_at is not None and sent.last_status == 201
    assert sent.lease_owner is None and sent.lease_until is None
    retried = deliveries[jobs[stale.id].delivery_id]
    assert retried.state == "pending" and retried.attempts == 1
    assert abs((as_utc(retried.next_attempt_at) - later).total_seconds()) < 1
    assert deliveries[jobs[gone.id].delivery_id].subscription_id is None  # kept for the counts
