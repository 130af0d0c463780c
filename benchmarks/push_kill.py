"""Kill the push worker with SIGKILL in the middle of a fan-out; restart it; count what arrived.

    .venv/bin/python -m benchmarks.push_kill [--subscriptions 10000] [--kill-at-sent 2000]

Starts the push service double as its own process, N subscribed residents in a throwaway
SQLite database (or ``--database-url``), posts one announcement, starts `flask push worker`,
SIGKILLs it once ``--kill-at-sent`` sends are recorded (mid-batch), starts a new worker, and
waits until every delivery is sent. Prints how many subscriptions received the announcement,
how many got it twice (the target is 0; a duplicate can only come from a row sent but not yet
recorded when the worker died), and how long the restart took to finish. Bounded in time;
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

from benchmarks.push_fanout import make_subscriptions, populate, start_double

ROOT = Path(__file__).resolve().parents[1]


def worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "push", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    # Killed once this many sends are recorded: mid-fan-out on a fast or a slow machine alike.
    parser.add_argument("--kill-at-sent", type=int, default=2_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    from app import create_app
    from app.accounts.models import Account
    from app.announcements.services import post_announcement
    from app.communes.services import create_commune
    from app.extensions import db
    from app.membership.services import add_official
    from app.push.keys import vapid_key
    from app.push.models import Delivery

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        url = args.database_url or f"sqlite:///{tmp}/kill.sqlite3"
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "http://127.0.0.1:8000",
            "PUSH_ALLOWED_HOSTS": "127.0.0.1",
            "VAPID_PRIVATE_KEY_PATH": f"{tmp}/vapid.pem",
        }
        app = create_app(config)
        env = dict(os.environ)
        env.update(
            DATABASE_URL=url,
            SECRET_KEY="benchmark-secret-that-is-long-enough-0123456789",
            BASE_URL=config["BASE_URL"],
            PUSH_ALLOWED_HOSTS="127.0.0.1",
            FEEDBACK_VAPID_PRIVATE_KEY_PATH=config["VAPID_PRIVATE_KEY_PATH"],
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            double, origin = start_double(0.0, vapid_key(app).application_server_key)
            try:
                commune = create_commune("kill", "Xã Kill")
                official = Account(display_name="Cán bộ", email="canbo@kill.vn", password_hash="x")
                db.session.add(official)
                db.session.flush()
                add_official(official, commune)
                db.session.commit()
                populate(commune.id, make_subscriptions(origin, args.subscriptions))
                with app.test_request_context():
                    post_announcement(commune, official, {"title": "Mất điện", "body": "7-11h"})
                db.session.commit()

                first = worker(env)
                started = time.monotonic()
                while time.monotonic() - started < args.timeout:
                    db.session.rollback()
                    recorded = db.session.scalar(
                        db.select(db.func.count(Delivery.id)).where(Delivery.state == "sent")
                    )
                    if recorded >= args.kill_at_sent:
                        break
                    time.sleep(0.02)
                killed_after = time.monotonic() - started
                first.send_signal(signal.SIGKILL)
                first.wait()
                db.session.rollback()  # a fresh snapshot, not the one this session began with
                sent_before = db.session.scalar(
                    db.select(db.func.count(Delivery.id)).where(Delivery.state == "sent")
                )
                restarted = time.monotonic()
                second = worker(env)
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    db.session.rollback()
                    pending = db.session.scalar(
                        db.select(db.func.count(Delivery.id)).where(Delivery.state == "pending")
                    )
                    # Killed before it expanded the message, the first worker left no rows at
                    # all: done means every subscription has a delivery and none is pending.
                    rows = db.session.scalar(db.select(db.func.count(Delivery.id)))
                    if pending == 0 and rows >= args.subscriptions:
                        break
                    time.sleep(0.5)
                finished = time.monotonic() - restarted
                second.terminate()
                second.wait(30)
                messages = requests.get(f"{origin}/_double/messages", timeout=60).json()
            finally:
                double.terminate()
                double.wait(10)
            # End this session's transaction first: on PostgreSQL, DROP waits for its locks.
            db.session.remove()
            db.drop_all()
    received = Counter(message["endpoint"] for message in messages)
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    print(
        f"{args.subscriptions} subscriptions; killed after {killed_after:.1f}s with "
        f"{sent_before} recorded as sent; restarted worker finished in {finished:.1f}s "
        f"(including up to one 20 s lease on rows the dead worker held)\n"
        f"received by {len(received)} of {args.subscriptions} subscriptions; "
        f"duplicates: {duplicates}; still pending: {pending}"
    )


if __name__ == "__main__":
    main()
