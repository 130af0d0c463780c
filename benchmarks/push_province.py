"""A province-wide warning: one announcement to 100,000 phones on PostgreSQL, two workers.

    .venv/bin/python -m benchmarks.push_province [--small 10000] [--large 100000] [--workers 2]

Creates a throwaway PostgreSQL database (127.0.0.1:5432, dropped afterwards), starts the push
service double (tests/push/double.py, which verifies VAPID and decrypts every message) as its
own process and bulk-inserts ``--small`` subscribed residents of one commune (the double hands
out real subscriptions sharing a few browser key pairs, so it can decrypt them all). Then
``--workers`` real ``flask push worker`` processes are started, one announcement is posted and
timed until the double accepted the last message, and the workers are stopped (SIGTERM). The
commune then grows to ``--large`` residents and a second announcement goes out the same way.

For each run it prints the wall time, messages per second, every message delivered (counted at
the double) and the duplicates (a subscription getting the same announcement twice), and for
each worker process its peak memory (VmHWM) and the CPU time it spent
after start-up (imports cost ~3 s once per process). Memory that does not grow with the
audience shows as the same peak at both sizes. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.push_common import (  # noqa: E402
    Doubles,
    WorkerRun,
    add_residents,
    kill_workers,
    start_workers,
    stop_workers,
    worker_env,
)
from tests.databases import throwaway_postgres  # noqa: E402


def announce(app: Any, commune_id: int, official_id: int, title: str) -> None:
    from app.accounts.models import Account
    from app.announcements.services import post_announcement
    from app.communes.models import Commune
    from app.database import writing_transactions
    from app.extensions import db

    # Written as a request would (BEGIN IMMEDIATE on SQLite): the workers are writing too.
    with app.test_request_context(), writing_transactions():
        db.session.rollback()
        commune = db.session.get(Commune, commune_id)
        official = db.session.get(Account, official_id)
        post_announcement(commune, official, {"title": title, "body": "Bão số 3 đổ bộ đêm nay."})
        db.session.commit()


def fan_out(
    app: Any, env: dict[str, str], doubles: Doubles, ids: tuple[int, int], audience: int, args: Any
) -> list[WorkerRun]:
    processes = start_workers(env, args.workers, env["INSTANCE_PATH"])
    try:
        before = doubles.stats()
        started = time.perf_counter()
        announce(app, *ids, f"Cảnh báo {audience}")
        doubles.wait_accepted(before["accepted"], audience)
        elapsed = time.perf_counter() - started
    except BaseException:
        kill_workers(processes)
        raise
    runs = stop_workers(processes)
    after = doubles.stats()
    delivered = after["accepted"] - before["accepted"]
    duplicates = after["duplicates"] - before["duplicates"]
    rejected = after["rejected"] - before["rejected"]
    cpu = sum(run.cpu_s for run in runs)
    print(
        f"audience {audience:>7,}: {elapsed:6.1f} s, {delivered / elapsed:6.0f}/s;"
        f" delivered {delivered:,} of {audience:,}, duplicates {duplicates}, rejected {rejected};"
        f" workers' CPU {cpu / delivered * 10_000 if delivered else 0:.1f} s per 10,000"
    )
    for number, run in enumerate(runs):
        print(
            f"    worker {number}: sent {run.sent:>7,}, peak memory {run.peak_mib:6.1f} MiB,"
            f" CPU {run.cpu_s:6.1f} s"
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--doubles", type=int, default=2, help="push service processes")
    args = parser.parse_args()

    from app import create_app
    from app.accounts.models import Account
    from app.communes.services import create_commune
    from app.extensions import db
    from app.membership.services import add_official
    from app.push.keys import vapid_key

    with tempfile.TemporaryDirectory() as tmp, throwaway_postgres() as url:
        os.environ["INSTANCE_PATH"] = tmp
        config = {
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "http://127.0.0.1:8000",
            "PUSH_ALLOWED_HOSTS": "127.0.0.1",
            "VAPID_PRIVATE_KEY_PATH": f"{tmp}/vapid.pem",
        }
        app = create_app({"TESTING": True, **config})
        env = worker_env(tmp, url, config["VAPID_PRIVATE_KEY_PATH"])
        with app.app_context():
            db.create_all()
            commune = create_commune("tinh", "Xã Cảnh Báo")
            official = Account(display_name="Cán bộ", email="canbo@bench.vn", password_hash="x")
            db.session.add(official)
            db.session.flush()
            add_official(official, commune)
            db.session.commit()
            ids = (commune.id, official.id)
            key = vapid_key(app).application_server_key
        doubles = Doubles(args.doubles, 0.0, key)
        try:
            print(
                f"PostgreSQL, {args.workers} worker processes, {args.doubles} push service"
                f" doubles, {os.cpu_count()} cores"
            )
            made = time.perf_counter()
            with app.app_context():
                add_residents(ids[0], doubles.subscribe(args.small))
            print(f"{args.small:,} subscribed residents made in {time.perf_counter() - made:.1f} s")
            small = fan_out(app, env, doubles, ids, args.small, args)
            made = time.perf_counter()
            with app.app_context():
                add_residents(ids[0], doubles.subscribe(args.large - args.small))
            print(f"{args.large:,} subscribed residents in {time.perf_counter() - made:.1f} s more")
            large = fan_out(app, env, doubles, ids, args.large, args)
            peak_small = max(run.peak_mib for run in small)
            peak_large = max(run.peak_mib for run in large)
            print(
                f"peak worker memory: {peak_small:.1f} MiB at {args.small:,},"
                f" {peak_large:.1f} MiB at {args.large:,}"
                f" (x{peak_large / peak_small:.2f} for x{args.large / args.small:.0f} the audience)"
            )
        finally:
            doubles.stop()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
