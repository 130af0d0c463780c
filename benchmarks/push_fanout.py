"""How fast one announcement reaches N phones through the real worker, against a naive loop.

    .venv/bin/python -m benchmarks.push_fanout [--subscriptions 10000] [--workers 1,2]
        [--doubles 2] [--database sqlite|postgresql] [--sample 300] [--slow-sample 60]

Starts push service doubles (tests/push/double.py: VAPID verified and every message decrypted)
as processes of their own on 127.0.0.1, makes N subscribed residents in a throwaway database,
starts real ``flask push worker`` processes (1, then 2), posts one announcement and times its
fan-out from the post to the doubles' last acceptance (expansion, claiming, encryption, VAPID,
sending, recording). In the same run it times the naive way, ``pywebpush.webpush()`` called
once per subscription, on a sample; then all again against push services answering after
30 ms. It prints rates, ratios, and the CPU seconds the workers (after start-up) and the
doubles spent per 10,000 messages; it never asserts a time (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete

from benchmarks.load_mixed import throwaway_or_sqlite
from benchmarks.push_common import (
    Doubles,
    add_residents,
    kill_workers,
    start_workers,
    stop_workers,
    worker_env,
)

ROOT = Path(__file__).resolve().parents[1]


def start_double(delay: float, vapid_public_key: str) -> tuple[subprocess.Popen, str]:
    """One push service double in its own process; returns it and its origin."""
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
    """``count`` subscriptions from one double (in one request)."""
    response = requests.post(
        f"{origin}/_double/subscriptions", params={"count": count}, timeout=120
    )
    return response.json()


def populate(commune_id: int, subscriptions: list[dict[str, Any]]) -> None:
    """One resident per subscription, inserted in bulk."""
    add_residents(commune_id, subscriptions)


@dataclass
class FanOut:
    rate: float  # messages per second, from posting the announcement to the last acceptance
    worker_cpu_per_10k: float  # CPU seconds of all worker processes per 10,000 messages
    double_cpu_per_10k: float  # and of the push service doubles (decrypting every message)
    delivered: int
    duplicates: int


def worker_fanout(
    app: Any, env: dict[str, str], doubles: Doubles, ids: tuple[int, int], count: int, workers: int
) -> FanOut:
    """Post one announcement and time its fan-out by ``workers`` running worker processes."""
    from app.accounts.models import Account
    from app.announcements.services import post_announcement
    from app.communes.models import Commune
    from app.database import writing_transactions
    from app.extensions import db

    processes = start_workers(env, workers, env["INSTANCE_PATH"])
    try:
        before, double_cpu = doubles.stats(), doubles.cpu()
        started = time.perf_counter()
        # Written as a request would (BEGIN IMMEDIATE on SQLite): the workers are writing too.
        with app.test_request_context(), writing_transactions():
            db.session.rollback()
            commune, official = db.session.get(Commune, ids[0]), db.session.get(Account, ids[1])
            body = {"title": "Thông báo", "body": "Lịch tiêm chủng."}
            post_announcement(commune, official, body)
            db.session.commit()
        doubles.wait_accepted(before["accepted"], count)
        elapsed = time.perf_counter() - started
        double_cpu = doubles.cpu() - double_cpu
    except BaseException:
        kill_workers(processes)
        raise
    runs = stop_workers(processes)
    after = doubles.stats()
    delivered = after["accepted"] - before["accepted"]
    if delivered != count:
        print(f"  warning: the double accepted {delivered} of {count}")
    per_10k = 10_000 / max(1, delivered)
    return FanOut(
        delivered / elapsed,
        sum(run.cpu_s for run in runs) * per_10k,
        double_cpu * per_10k,
        delivered,
        after["duplicates"] - before["duplicates"],
    )


def naive_loop(subscriptions: list[dict[str, Any]], pem_path: str, doubles: Doubles) -> float:
    """``pywebpush.webpush()`` once per subscription, as a simple implementation would."""
    from pywebpush import webpush

    payload = '{"title":"Thông báo","body":"Lịch tiêm chủng.","url":"/","tag":"a1"}'
    before = doubles.stats()["accepted"]
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
    if doubles.stats()["accepted"] - before != len(subscriptions):
        print("  warning: the naive loop lost messages")
    return len(subscriptions) / elapsed


def run_case(app: Any, env: dict[str, str], label: str, delay: float, args: Any, pem: str) -> None:
    from app.extensions import db
    from app.push.keys import vapid_key
    from app.push.models import Delivery, PushMessage, PushSubscription

    count = args.subscriptions
    doubles = Doubles(args.doubles, delay, vapid_key(app).application_server_key)
    try:
        subscriptions = doubles.subscribe(count)
        with app.app_context():
            from app.accounts.models import Account
            from app.communes.models import Commune

            db.session.execute(delete(Delivery))
            db.session.execute(delete(PushMessage))
            db.session.execute(delete(PushSubscription))
            db.session.commit()
            commune = db.session.scalar(db.select(Commune))
            official = db.session.scalar(db.select(Account).where(Account.email.is_not(None)))
            ids = (commune.id, official.id)
            add_residents(commune.id, subscriptions)
            runs = {
                workers: worker_fanout(app, env, doubles, ids, count, workers)
                for workers in args.workers
            }
        sample = args.sample if delay == 0 else args.slow_sample
        naive_rate = naive_loop(subscriptions[:sample], pem, doubles)
    finally:
        doubles.stop()
    for workers, run in runs.items():
        print(
            f"{label:<28} {workers} worker{'s' if workers > 1 else ' '} {run.rate:6.0f}/s"
            f"   naive pywebpush {naive_rate:5.0f}/s   ratio {run.rate / naive_rate:5.1f}x"
            f"   CPU s per 10,000: workers {run.worker_cpu_per_10k:4.1f},"
            f" doubles {run.double_cpu_per_10k:4.1f}"
            f"   delivered {run.delivered}, duplicates {run.duplicates}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--slow-sample", type=int, default=60)
    parser.add_argument(
        "--workers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 2],
        help="worker process counts to measure, e.g. 1,2",
    )
    parser.add_argument("--doubles", type=int, default=2, help="push service processes")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from app import create_app
    from app.accounts.models import Account
    from app.communes.services import create_commune
    from app.extensions import db
    from app.membership.services import add_official
    from app.push.keys import vapid_key

    with tempfile.TemporaryDirectory() as tmp, throwaway_or_sqlite(args.database, tmp) as url:
        os.environ["INSTANCE_PATH"] = tmp
        pem = f"{tmp}/vapid.pem"
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "BASE_URL": "http://127.0.0.1:8000",
                "PUSH_ALLOWED_HOSTS": "127.0.0.1",
                "VAPID_PRIVATE_KEY_PATH": pem,
            }
        )
        env = worker_env(tmp, url, pem)
        with app.app_context():
            db.drop_all()
            db.create_all()
            commune = create_commune("bench", "Xã Bench")
            official = Account(display_name="Cán bộ", email="canbo@bench.vn", password_hash="x")
            db.session.add(official)
            db.session.flush()
            add_official(official, commune)
            db.session.commit()
            vapid_key(app)  # creates the key file the naive loop signs with too
        print(
            f"database: {args.database}; {os.cpu_count()} cores; {args.doubles} push service"
            f" double processes; N={args.subscriptions}, naive samples"
            f" {args.sample} and {args.slow_sample}"
        )
        run_case(app, env, "push service answers at once", 0.0, args, pem)
        run_case(app, env, "push service takes 30 ms", 0.030, args, pem)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
