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
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.push_fanout import start_double  # noqa: E402
from tests.databases import throwaway_postgres  # noqa: E402


@dataclass
class WorkerRun:
    peak_mib: float
    cpu_s: float
    sent: int


def stats(origin: str) -> dict[str, int]:
    return requests.get(f"{origin}/_double/stats", timeout=60).json()


def subscribe(origin: str, count: int) -> list[dict[str, Any]]:
    """``count`` subscriptions from the double in a few requests."""
    made: list[dict[str, Any]] = []
    while len(made) < count:
        step = min(20_000, count - len(made))
        response = requests.post(
            f"{origin}/_double/subscriptions", params={"count": step}, timeout=120
        )
        made.extend(response.json())
    return made


def add_residents(commune_id: int, subscriptions: list[dict[str, Any]]) -> None:
    """One resident per subscription, inserted in bulk (multi-row INSERTs, 5,000 at a time)."""
    from app.accounts.models import Account
    from app.extensions import db
    from app.membership.models import Membership
    from app.push.models import PushSubscription

    first = (db.session.scalar(select(func.max(Account.id))) or 0) + 1
    for start in range(0, len(subscriptions), 5000):
        chunk = subscriptions[start : start + 5000]
        ids = range(first + start, first + start + len(chunk))
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
                for i, sub in zip(ids, chunk, strict=True)
            ],
        )
        db.session.commit()


def start_workers(env: dict[str, str], count: int, log_dir: str) -> list[tuple[Any, Any]]:
    """Start ``count`` worker processes and wait until each is ready (imports take seconds:
    a worker is started once and runs for weeks, so its start is not part of a fan-out)."""
    flask = Path(sys.executable).parent / "flask"
    processes = []
    for number in range(count):
        log = open(f"{log_dir}/worker{number}.log", "w+")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            [str(flask), "--app", "wsgi", "push", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        processes.append((process, log))
    for process, log in processes:
        while "started" not in Path(log.name).read_text():
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text()[-2000:])
            time.sleep(0.1)
        process.cpu_at_start = process_cpu(process.pid)
    return processes


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM). Not ``ru_maxrss``: a child starts with the
    parent's at fork and keeps it across exec, so it would show this benchmark's own size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def stop_workers(processes: list[tuple[Any, Any]]) -> list[WorkerRun]:
    """Read each worker's peak memory, SIGTERM it, and take its CPU time from ``wait4``."""
    peaks = [peak_memory_mib(process.pid) for process, _log in processes]
    for process, _log in processes:
        process.send_signal(signal.SIGTERM)
    runs = []
    for (process, log), peak in zip(processes, peaks, strict=True):
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
        log.close()
        if process.returncode != 0:
            print(f"  worker failed ({process.returncode}):\n{text[-2000:]}")
        sent = 0
        for line in text.splitlines():
            if "push worker stopped: sent " in line:
                sent = int(line.split("sent ")[1].split(",")[0])
        # ru_maxrss is in KiB on Linux.
        cpu = usage.ru_utime + usage.ru_stime - process.cpu_at_start
        runs.append(WorkerRun(peak, cpu, sent))
    return runs


def wait_delivered(origin: str, before: int, count: int, patience: float = 60.0) -> None:
    """Until the double accepted ``count`` more messages, or nothing came for ``patience``."""
    seen, last_progress = before, time.monotonic()
    while seen - before < count and time.monotonic() - last_progress < patience:
        time.sleep(0.2)
        now = stats(origin)["accepted"]
        if now > seen:
            seen, last_progress = now, time.monotonic()


def announce(app: Any, commune_id: int, official_id: int, title: str) -> None:
    from app.accounts.models import Account
    from app.announcements.services import post_announcement
    from app.communes.models import Commune
    from app.extensions import db

    with app.test_request_context():
        commune = db.session.get(Commune, commune_id)
        official = db.session.get(Account, official_id)
        post_announcement(commune, official, {"title": title, "body": "Bão số 3 đổ bộ đêm nay."})
        db.session.commit()


def fan_out(
    app: Any, env: dict[str, str], origin: str, ids: tuple[int, int], audience: int, args: Any
) -> list[WorkerRun]:
    processes = start_workers(env, args.workers, env["INSTANCE_PATH"])
    before = stats(origin)
    started = time.perf_counter()
    announce(app, *ids, f"Cảnh báo {audience}")
    wait_delivered(origin, before["accepted"], audience)
    elapsed = time.perf_counter() - started
    runs = stop_workers(processes)
    after = stats(origin)
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
        env = {
            **os.environ,
            "INSTANCE_PATH": tmp,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "BASE_URL": config["BASE_URL"],
            "PUSH_ALLOWED_HOSTS": "127.0.0.1",
            "FEEDBACK_VAPID_PRIVATE_KEY_PATH": config["VAPID_PRIVATE_KEY_PATH"],
        }
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
        double, origin = start_double(0.0, key)
        try:
            print(f"PostgreSQL, {args.workers} worker processes, {os.cpu_count()} cores")
            made = time.perf_counter()
            with app.app_context():
                add_residents(ids[0], subscribe(origin, args.small))
            print(f"{args.small:,} subscribed residents made in {time.perf_counter() - made:.1f} s")
            small = fan_out(app, env, origin, ids, args.small, args)
            made = time.perf_counter()
            with app.app_context():
                add_residents(ids[0], subscribe(origin, args.large - args.small))
            print(f"{args.large:,} subscribed residents in {time.perf_counter() - made:.1f} s more")
            large = fan_out(app, env, origin, ids, args.large, args)
            peak_small = max(run.peak_mib for run in small)
            peak_large = max(run.peak_mib for run in large)
            print(
                f"peak worker memory: {peak_small:.1f} MiB at {args.small:,},"
                f" {peak_large:.1f} MiB at {args.large:,}"
                f" (x{peak_large / peak_small:.2f} for x{args.large / args.small:.0f} the audience)"
            )
        finally:
            double.terminate()
            double.wait(30)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
