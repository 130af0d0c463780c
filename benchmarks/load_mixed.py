"""A mixed workload against the real gunicorn server: zero errors, zero lost writes.

    .venv/bin/python -m benchmarks.load_mixed [--seconds 60] [--database sqlite|postgresql]

Residents read feeds and threads and ask questions, officials reply and change statuses, and
one announcement fans out through the real push worker to every subscribed resident (a push
service double on 127.0.0.1). Everything targets 127.0.0.1 and stops by itself. At the end,
every write the server accepted (2xx) is looked up in the database; the script prints request
counts, error counts (a "database is locked" would show here as a 503), p50/p99 latencies per
kind of request, and the number of accepted writes missing from the database (target 0).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.databases import throwaway_postgres  # noqa: E402
from tests.push.double import PushServiceDouble  # noqa: E402
from tests.server.helpers import flask_cli, free_port, gunicorn, server_env  # noqa: E402

PASSWORD = "benchmark password"


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.accepted: dict[str, list[int]] = defaultdict(list)

    def call(self, kind: str, method, *args, ok=(200, 201), **kwargs):
        started = time.perf_counter()
        try:
            response = method(*args, timeout=30, **kwargs)
        except requests.RequestException as error:
            with self.lock:
                self.errors[f"{kind}: {error.__class__.__name__}"] += 1
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[kind].append(elapsed)
            if response.status_code not in ok:
                self.errors[f"{kind}: HTTP {response.status_code}"] += 1
                return None
        return response


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def resident_loop(url, token, recorder, stop, slug, push):
    session = requests.Session()
    headers = {"Origin": url}
    joined = recorder.call(
        "join", session.post, f"{url}/api/v1/join", json={"token": token}, headers=headers
    )
    if joined is None:
        return
    recorder.call(
        "subscribe",
        session.post,
        f"{url}/api/v1/push/subscriptions",
        json=push.new_subscription(),
        headers=headers,
    )
    while not stop.is_set():
        roll = random.random()
        if roll < 0.6:
            feed = recorder.call("read feed", session.get, f"{url}/api/v1/communes/{slug}/threads")
            items = feed.json()["items"] if feed is not None else []
            if items and random.random() < 0.5:
                recorder.call("read thread", session.get, f"{url}/api/v1/threads/{items[0]['id']}")
        elif roll < 0.8:
            asked = recorder.call(
                "ask",
                session.post,
                f"{url}/api/v1/communes/{slug}/threads",
                json={
                    "kind": "question",
                    "body": f"Câu hỏi {random.random()}",
                    "visibility": "public",
                },
                headers=headers,
            )
            if asked is not None:
                with recorder.lock:
                    recorder.accepted["thread"].append(asked.json()["id"])
        else:
            recorder.call("read page", session.get, f"{url}/c/{slug}")
        time.sleep(random.uniform(0.05, 0.2))


def official_loop(url, email, recorder, stop, slug, announce_at):
    session = requests.Session()
    headers = {"Origin": url}
    recorder.call(
        "login",
        session.post,
        f"{url}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers=headers,
    )
    while not stop.is_set():
        if announce_at is not None and time.monotonic() >= announce_at:
            announce_at = None
            recorder.call(
                "announce",
                session.post,
                f"{url}/api/v1/communes/{slug}/announcements",
                json={"title": "Lịch cắt điện", "body": "Thứ Hai, 7 giờ đến 11 giờ."},
                headers=headers,
            )
        feed = recorder.call("read feed", session.get, f"{url}/api/v1/communes/{slug}/threads")
        items = feed.json()["items"] if feed is not None else []
        if items:
            thread = random.choice(items[:10])
            replied = recorder.call(
                "reply",
                session.post,
                f"{url}/api/v1/threads/{thread['id']}/replies",
                json={"body": "Cán bộ xã đã tiếp nhận."},
                headers=headers,
            )
            if replied is not None:
                with recorder.lock:
                    recorder.accepted["reply"].append(replied.json()["id"])
            status = random.choice(["acknowledged", "in_progress", "resolved"])
            recorder.call(
                "status",
                session.patch,
                f"{url}/api/v1/threads/{thread['id']}",
                json={"status": status, "note": "Cập nhật"},
                headers=headers,
                ok=(200, 422),
            )
        time.sleep(random.uniform(0.1, 0.3))


def run(database: str, seconds: int, residents: int, officials: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, throwaway_or_sqlite(database, tmp) as db_url:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = server_env(Path(tmp) / "instance", db_url, url)
        env["FEEDBACK_RATE_LIMITS_ENABLED"] = "false"  # all load comes from one address
        env["PUSH_ALLOWED_HOSTS"] = "127.0.0.1"
        flask_cli(env, "db", "upgrade")
        join_url = flask_cli(env, "communes", "create", "xa-tai", "--name", "Xã Tải").strip()
        token = join_url.rsplit("/", 1)[1]
        emails = [f"canbo{n}@example.vn" for n in range(officials)]
        for email in emails:
            flask_cli(
                env,
                "users",
                "create",
                email,
                "--role",
                "official",
                "--commune",
                "xa-tai",
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
        recorder = Recorder()
        stop = threading.Event()
        with gunicorn(env, port), PushServiceDouble() as push:
            worker = subprocess.Popen(
                [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "push", "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            announce_at = time.monotonic() + seconds / 3
            threads = [
                threading.Thread(
                    target=resident_loop, args=(url, token, recorder, stop, "xa-tai", push)
                )
                for _ in range(residents)
            ] + [
                threading.Thread(
                    target=official_loop,
                    args=(url, e, recorder, stop, "xa-tai", announce_at if n == 0 else None),
                )
                for n, e in enumerate(emails)
            ]
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            stop.set()
            for thread in threads:
                thread.join(60)
            worker.terminate()
            worker.wait(30)
            announced = sum(1 for m in push.messages if m.topic and m.topic.startswith("a"))
        engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            stored_threads = set(conn.execute(text("SELECT id FROM thread")).scalars())
            stored_replies = set(conn.execute(text("SELECT id FROM reply")).scalars())
        engine.dispose()
    lost = len(set(recorder.accepted["thread"]) - stored_threads) + len(
        set(recorder.accepted["reply"]) - stored_replies
    )
    total = sum(len(v) for v in recorder.latency.values())
    print(
        f"\n{database}: {seconds}s, {residents} residents, {officials} officials, "
        f"{total} requests ({total / seconds:.0f}/s)"
    )
    for kind, values in sorted(recorder.latency.items()):
        print(
            f"  {kind:<12} n={len(values):6d}  p50 {statistics.median(values) * 1000:7.1f} ms"
            f"  p99 {percentile(values, 0.99) * 1000:7.1f} ms"
        )
    print(f"  errors: {dict(recorder.errors) or 0}")
    print(
        f"  accepted writes: {len(recorder.accepted['thread'])} threads, "
        f"{len(recorder.accepted['reply'])} replies; missing from the database: {lost}"
    )
    print(f"  announcement delivered to {announced} of {residents} subscribed residents")


class throwaway_or_sqlite:
    def __init__(self, database: str, tmp: str) -> None:
        self.database, self.tmp, self._pg = database, tmp, None

    def __enter__(self) -> str:
        if self.database == "sqlite":
            Path(self.tmp, "instance").mkdir(exist_ok=True)
            return f"sqlite:///{self.tmp}/instance/feedback.sqlite3"
        self._pg = throwaway_postgres()
        return self._pg.__enter__()

    def __exit__(self, *exc) -> None:
        if self._pg is not None:
            self._pg.__exit__(*exc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--residents", type=int, default=24)
    parser.add_argument("--officials", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        run(database, args.seconds, args.residents, args.officials)


if __name__ == "__main__":
    main()
