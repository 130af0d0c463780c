"""Where a feed read spends its time: cProfile over the app in-process, no server, no network.

    .venv/bin/python -m benchmarks.profile_read_path [--path feed|page|304] [--requests 300]
                                                     [--database sqlite|postgresql] [--top 40]

The same content as ``benchmarks.read_path`` (one commune, 200 threads), built through the app's
own test client; then ``--requests`` reads of the chosen path as the signed-in resident under
cProfile, printing the functions by cumulative and by own time, the queries per request and the
mean time per request (cProfile's overhead included: compare runs, not absolute figures).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_mixed import throwaway_or_sqlite  # noqa: E402
from benchmarks.read_path import SLUG, THREADS  # noqa: E402
from tests.server.helpers import server_env  # noqa: E402

SEED = """
from app import create_app
from app.extensions import db
from app.communes.services import create_commune
app = create_app()
with app.app_context():
    db.create_all()
    create_commune(slug={slug!r}, name="Xã Đọc")
    db.session.commit()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=["feed", "page", "304"], default="feed")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, throwaway_or_sqlite(args.database, tmp) as url:
        env = server_env(Path(tmp) / "instance", url, "http://127.0.0.1")
        env["FEEDBACK_RATE_LIMITS_ENABLED"] = "false"
        subprocess.run([sys.executable, "-c", SEED.format(slug=SLUG)], env=env, check=True)
        os.environ.update(env)
        profile(args)


def profile(args: argparse.Namespace) -> None:
    from app import create_app  # after the environment is set
    from app.communes.models import Commune
    from app.extensions import db

    app = create_app()
    origin = {"Origin": "http://127.0.0.1"}
    with app.app_context():
        token = db.session.scalar(db.select(Commune.join_token))
    resident = app.test_client()
    assert resident.post("/api/v1/join", json={"token": token}, headers=origin).status_code == 201
    for n in range(THREADS):
        asked = resident.post(
            f"/api/v1/communes/{SLUG}/threads",
            json={
                "kind": "question",
                "title": f"Đèn đường số {n} không sáng",
                "body": f"Đèn đường trước nhà số {n}, thôn 3, đã tắt từ tuần trước. " * 3,
                "visibility": "officials" if n % 10 == 0 else "public",
            },
            headers=origin,
        )
        assert asked.status_code == 201, asked.text
    path = f"/c/{SLUG}" if args.path == "page" else f"/api/v1/communes/{SLUG}/threads"
    headers = {"Accept-Encoding": "br, gzip", "Accept-Language": "vi"}
    first = resident.get(path, headers=headers)
    assert first.status_code == 200
    if args.path == "304":
        headers["If-None-Match"] = first.headers.get("ETag", '"none"')
    queries = 0
    with app.app_context():
        engine = db.engine

    def count(*_args: object) -> None:
        nonlocal queries
        queries += 1

    event.listen(engine, "before_cursor_execute", count)
    for _ in range(20):  # warm caches (templates, compiled queries)
        resident.get(path, headers=headers)
    queries = 0
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        answer = resident.get(path, headers=headers)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(
        f"{args.path} on {args.database}: {answer.status_code}, "
        f"{len(answer.get_data())} bytes as sent (headers "
        f"{sum(len(k) + len(v) + 4 for k, v in answer.headers.items())} bytes), "
        f"{queries / args.requests:.1f} queries and "
        f"{1000 * elapsed / args.requests:.2f} ms per request (under cProfile)"
    )
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
