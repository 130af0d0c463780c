"""How fast one announcement reaches N phones through the real worker, against a naive loop.

    .venv/bin/python -m benchmarks.push_fanout [--subscriptions 10000] [--sample 300]

Starts the push service double (tests/push/double.py) as its own process on 127.0.0.1, makes N
subscribed residents in a throwaway SQLite database (or ``--database-url``), posts one
announcement and times the worker's whole fan-out (expansion, claiming, encryption, VAPID,
sending, recording). In the same run it times the naive way, ``pywebpush.webpush()`` called
once per subscription, on a sample; then both again against a push service that answers after
30 ms. It prints rates and ratios, never asserts a time (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete, insert

ROOT = Path(__file__).resolve().parents[1]


def start_double(delay: float, vapid_public_key: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tests.push.double", "--port", "0"),
            *("--delay", str(delay), "--vapid-public-key", vapid_public_key),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    origin = process.stdout.readline().strip()
    return process, origin


def make_subscriptions(origin: str, count: int) -> list[dict[str, Any]]:
    with requests.Session() as http:
        return [
            http.post(f"{origin}/_double/subscriptions", timeout=10).json() for _ in range(count)
        ]


def accepted(origin: str) -> int:
    return requests.get(f"{origin}/_double/stats", timeout=10).json()["accepted"]


def populate(commune_id: int, subscriptions: list[dict[str, Any]]) -> None:
    """One resident per subscription, inserted in bulk."""
    from app.accounts.models import Account
    from app.extensions import db
    from app.membership.models import Membership
    from app.push.models import PushSubscription

    first = (db.session.scalar(db.select(db.func.max(Account.id))) or 0) + 1
    ids = list(range(first, first + len(subscriptions)))
    db.session.execute(insert(Account), [{"id": i, "display_name": f"R{i}"} for i in ids])
    db.session.execute(
        insert(Membership),
        [{"account_id": i, "commune_id": commune_id, "role": "resident"} for i in ids],
    )
    db.session.execute(
        insert(PushSubscription),
        [
            {
                "account_id": i,
                "endpoint": sub["endpoint"],
                "p256dh": sub["keys"]["p256dh"],
                "auth": sub["keys"]["auth"],
            }
            for i, sub in zip(ids, subscriptions, strict=True)
        ],
    )
    db.session.commit()


def worker_fanout(
    app: Any, commune: Any, official: Any, origin: str, count: int
) -> tuple[float, float]:
    """Post one announcement and run the worker until it is delivered.

    Returns notifications per second of wall time, and per second of the worker's own CPU time
    (the push service double runs in another process, so this is the sender's cost per core).
    """
    from app.announcements.services import post_announcement
    from app.extensions import db
    from app.push.worker import PushWorker

    before = accepted(origin)
    with app.test_request_context():
        post_announcement(commune, official, {"title": "Thông báo", "body": "Lịch tiêm chủng."})
    db.session.commit()
    worker = PushWorker(app, idle_sleep=0.01)
    started, cpu_started = time.perf_counter(), time.process_time()
    stats = worker.run(until_idle=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    got = accepted(origin) - before
    if got != count or stats.sent != count:
        print(f"  warning: sent {stats.sent}, the double accepted {got} of {count}")
    return count / elapsed, count / cpu


def naive_loop(subscriptions: list[dict[str, Any]], pem_path: str, origin: str) -> float:
    """``pywebpush.webpush()`` once per subscription, as a simple implementation would."""
    from pywebpush import webpush

    payload = '{"title":"Thông báo","body":"Lịch tiêm chủng.","url":"/","tag":"a1"}'
    before = accepted(origin)
    started = time.perf_counter()
    for subscription in subscriptions:
        webpush(
            subscription,
            payload,
            vapid_private_key=pem_path,
            vapid_claims={"sub": "mailto:bench@example.vn"},
            ttl=3600,
            timeout=10,
        )
    elapsed = time.perf_counter() - started
    if accepted(origin) - before != len(subscriptions):
        print("  warning: the naive loop lost messages")
    return len(subscriptions) / elapsed


def run_case(app: Any, label: str, delay: float, count: int, sample: int, pem: str) -> None:
    from app.extensions import db
    from app.push.keys import vapid_key
    from app.push.models import Delivery, PushMessage, PushSubscription

    double, origin = start_double(delay, vapid_key(app).application_server_key)
    try:
        subscriptions = make_subscriptions(origin, count)
        with app.app_context():
            from app.accounts.models import Account
            from app.communes.models import Commune

            db.session.execute(delete(Delivery))
            db.session.execute(delete(PushMessage))
            db.session.execute(delete(PushSubscription))
            db.session.commit()
            commune = db.session.scalar(db.select(Commune))
            official = db.session.scalar(db.select(Account).where(Account.email.is_not(None)))
            populate(commune.id, subscriptions)
            worker_rate, per_cpu_second = worker_fanout(app, commune, official, origin, count)
        naive_rate = naive_loop(subscriptions[:sample], pem, origin)
    finally:
        double.terminate()
        double.wait(10)
    print(
        f"{label:<28} worker {worker_rate:6.0f}/s ({per_cpu_second:5.0f} per worker CPU-second)"
        f"   naive pywebpush {naive_rate:5.0f}/s   ratio {worker_rate / naive_rate:5.1f}x"
        f"   (N={count}, naive sample={sample})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--slow-sample", type=int, default=60)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from app import create_app
    from app.accounts.models import Account
    from app.communes.services import create_commune
    from app.extensions import db
    from app.membership.services import add_official

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "BASE_URL": "http://127.0.0.1:8000",
                "PUSH_ALLOWED_HOSTS": "127.0.0.1",
                "VAPID_PRIVATE_KEY_PATH": f"{tmp}/vapid.pem",
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            commune = create_commune("bench", "Xã Bench")
            official = Account(display_name="Cán bộ", email="canbo@bench.vn", password_hash="x")
            db.session.add(official)
            db.session.flush()
            add_official(official, commune)
            db.session.commit()
            from app.push.keys import vapid_key

            pem = f"{tmp}/vapid.pem"
            vapid_key(app)  # creates the key file the naive loop signs with too
        print(f"database: {url.split(':')[0]}; {os.cpu_count()} cores")
        run_case(app, "push service answers at once", 0.0, args.subscriptions, args.sample, pem)
        run_case(
            app,
            "push service takes 30 ms",
            0.030,
            args.subscriptions,
            args.slow_sample,
            pem,
        )
        with app.app_context():
            db.drop_all()


if __name__ == "__main__":
    main()
