"""Real worker processes: several at once never send a delivery twice; SIGTERM drains."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import Account
from app.extensions import db
from app.membership.models import RESIDENT, Membership
from app.push.models import Delivery, PushSubscription

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def add_subscribed_residents(commune, push_service, count: int) -> None:
    """``count`` residents of ``commune``, each with one browser subscribed to the double."""
    for number in range(count):
        account = Account(display_name=f"Người dân {number}")
        db.session.add(account)
        db.session.flush()
        db.session.add(Membership(account_id=account.id, commune_id=commune.id, role=RESIDENT))
        subscription = push_service.new_subscription()
        db.session.add(
            PushSubscription(
                account_id=account.id,
                endpoint=subscription["endpoint"],
                p256dh=subscription["keys"]["p256dh"],
                auth=subscription["keys"]["auth"],
            )
        )
    db.session.commit()


def start_worker(app, *extra: str, **environment: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        BASE_URL=app.config["BASE_URL"],
        PUSH_ALLOWED_HOSTS="127.0.0.1",
        FEEDBACK_VAPID_PRIVATE_KEY_PATH=app.config["VAPID_PRIVATE_KEY_PATH"],
        **environment,
    )
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "--app", "wsgi", "push", "worker", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_send_each_delivery_once(app, world, push_service):
    add_subscribed_residents(world["a"], push_service, 300)
    world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Tiêm chủng", "body": "Thứ Bảy."}
    )
    # Small batches so that both workers really compete for the same rows, and expand the
    # message a few rows at a time while the other claims what is already written.
    options = ("--once", "--batch-size", "20", "--expansion-batch", "40")
    workers = [start_worker(app, *options) for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    received = Counter(message.endpoint for message in push_service.messages)
    assert len(received) == 300
    assert max(received.values()) == 1, "a delivery was sent twice"
    db.session.expire_all()
    states = Counter(db.session.scalars(select(Delivery.state)))
    assert states == {"sent": 300}


def test_sigterm_finishes_in_flight_sends_then_exits(app, world, push_service):
    add_subscribed_residents(world["a"], push_service, 30)
    push_service.delay(1.5)
    world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân."}
    )
    worker = start_worker(app, "--batch-size", "30")
    deadline = time.monotonic() + 30
    while push_service.request_count < 30:
        assert time.monotonic() < deadline, "the worker never sent"
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    _out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert "stopped" in err
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.state == "sent")) == 30
