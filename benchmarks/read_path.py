"""The read path against bare Flask, side by side in one run: feed, group page, 304.

    .venv/bin/python -m benchmarks.read_path [--seconds 10] [--connections 32]
                                             [--database sqlite|postgresql|both]

Two gunicorn servers with the same settings (the project's gunicorn.conf.py, 2 workers, the
same access log): a bare Flask app returning a small JSON (``benchmarks/bare_flask.py``, the
baseline) and the real app on a throwaway database (SQLite, or a PostgreSQL database created
and dropped on 127.0.0.1:5432) holding one commune with 200 threads, some replies and
announcements. ``wrk`` (Debian's package; installed when missing and we are root) then loads,
one after the other, for ``--seconds`` each after a short warm-up:

- bare Flask, ``GET /``;
- ``GET /api/v1/communes/{slug}/threads`` as a signed-in resident;
- ``GET /c/{slug}``, the residents' group page, signed in;
- the same feed with the ``If-None-Match`` of its last answer (a 304 when the app has ETags).

Every request asks for ``Accept-Encoding: br, gzip`` as a phone does. It prints requests per
second, p50 latency and each as a share of bare Flask's rate in the same run: the machine is
shared, so only the ratios compare across runs. Targets: feed and page >= 50 %, 304 >= 80 %.
A benchmark reports; it asserts nothing. Everything targets 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_mixed import throwaway_or_sqlite  # noqa: E402
from tests.server.helpers import VENV_BIN, flask_cli, free_port, server_env, serving  # noqa: E402

SLUG = "xa-doc"
THREADS = 200
OFFICIAL = "canbo@xa-doc.vn"
PASSWORD = "benchmark password"
ACCEPT = {"Accept-Encoding": "br, gzip", "Accept-Language": "vi"}
WARM_UP_SECONDS = 2
TARGETS = {"feed": 50, "group page": 50, "feed, 304": 80}


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    statuses: str  # what a single request answers (200, 304), checked before the load


@contextmanager
def serve(app: str, env: dict[str, str], log: Path):
    """gunicorn with the project's settings and 2 workers; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(VENV_BIN / "gunicorn"),
        *("-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "2"),
        app,
    ]
    # A loaded machine starts gunicorn slowly: give it 90 s.
    with serving(
        command, log_path=log, ready_url=f"{url}/", name=f"gunicorn {app}", env=env, timeout=90
    ):
        yield url


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("==> Installing wrk from Debian's packages")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return "wrk"
    sys.exit("wrk is needed: apt-get install wrk")


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> tuple[float, float]:
    """Requests per second and p50 latency (ms) of ``seconds`` of load on ``url``."""
    args = ["wrk", "-t2", f"-c{connections}", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    subprocess.run([*args, f"-d{WARM_UP_SECONDS}s", url], capture_output=True, check=True)
    out = subprocess.run(
        [*args, f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"    ! {errors.group(1)} answers were neither 2xx nor 3xx")
    return rps, float(p50.group(1)) * scale


def seed(url: str, token: str) -> str:
    """A resident and 200 threads (every tenth officials-only, a reply under every third,
    three announcements); the resident's session cookie."""
    origin = {"Origin": url}
    resident, official = requests.Session(), requests.Session()
    joined = resident.post(f"{url}/api/v1/join", json={"token": token}, headers=origin)
    assert joined.status_code == 201, joined.text
    signed_in = official.post(
        f"{url}/api/v1/auth/login", json={"email": OFFICIAL, "password": PASSWORD}, headers=origin
    )
    assert signed_in.status_code == 200, signed_in.text
    for n in range(THREADS):
        asked = resident.post(
            f"{url}/api/v1/communes/{SLUG}/threads",
            json={
                "kind": "report" if n % 2 else "question",
                "title": f"Đèn đường số {n} không sáng",
                "body": f"Đèn đường trước nhà số {n}, thôn 3, đã tắt từ tuần trước. " * 3,
                "visibility": "officials" if n % 10 == 0 else "public",
            },
            headers=origin,
        )
        assert asked.status_code == 201, asked.text
        if n % 3 == 0:
            replied = official.post(
                f"{url}/api/v1/threads/{asked.json()['id']}/replies",
                json={"body": "Cán bộ xã đã tiếp nhận, sẽ kiểm tra trong tuần."},
                headers=origin,
            )
            assert replied.status_code == 201, replied.text
    for n in range(3):
        announced = official.post(
            f"{url}/api/v1/communes/{SLUG}/announcements",
            json={"title": f"Thông báo {n}", "body": "Lịch cắt điện: thứ Hai, 7 giờ đến 11 giờ."},
            headers=origin,
        )
        assert announced.status_code == 201, announced.text
    return resident.cookies.get("cf_session")


def run(database: str, seconds: int, connections: int) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp, throwaway_or_sqlite(database, tmp) as db_url:
        instance = Path(tmp) / "instance"
        env = server_env(instance, db_url, "http://127.0.0.1")
        env["FEEDBACK_RATE_LIMITS_ENABLED"] = "false"  # all load comes from one address
        flask_cli(env, "db", "upgrade")
        join_url = flask_cli(env, "communes", "create", SLUG, "--name", "Xã Đọc").strip()
        flask_cli(
            env,
            *("users", "create", OFFICIAL, "--role", "official", "--commune", SLUG),
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        results = []
        with serve("benchmarks.bare_flask:app", env, Path(tmp) / "bare.log") as bare:
            rps, p50 = wrk(f"{bare}/", ACCEPT, seconds, connections)
            results.append(Result("bare Flask", rps, p50, "200"))
        with serve("wsgi:app", env, Path(tmp) / "app.log") as url:
            cookie = seed(url, join_url.rsplit("/", 1)[1])
            signed_in = {**ACCEPT, "Cookie": f"cf_session={cookie}"}
            feed_url = f"{url}/api/v1/communes/{SLUG}/threads"
            page_url = f"{url}/c/{SLUG}"
            first = requests.get(feed_url, headers=signed_in, timeout=30)
            assert first.status_code == 200, first.text
            etag = first.headers.get("ETag")
            again = requests.get(
                feed_url, headers={**signed_in, "If-None-Match": etag or '"none"'}, timeout=30
            )
            page = requests.get(page_url, headers=signed_in, timeout=30)
            assert page.status_code == 200, page.text
            for name, target, headers, status in (
                ("feed", feed_url, signed_in, str(first.status_code)),
                ("group page", page_url, signed_in, str(page.status_code)),
                (
                    "feed, 304",
                    feed_url,
                    {**signed_in, "If-None-Match": etag or '"none"'},
                    f"{again.status_code}",
                ),
            ):
                rps, p50 = wrk(target, headers, seconds, connections)
                results.append(Result(name, rps, p50, status))
            # As sent (brotli): what a phone on 3G downloads.
            sizes = tuple(int(r.headers.get("Content-Length", 0)) for r in (first, page))
            not_modified = int(again.headers.get("Content-Length", 0) or 0)
    base = results[0].rps
    print(
        f"\n{database}: {THREADS} threads, gunicorn 2 workers, wrk {connections} connections, "
        f"{seconds} s each; bodies as sent (br): feed {sizes[0]:,} bytes, page {sizes[1]:,}, "
        f"the revalidated feed {not_modified:,}"
    )
    print(f"  {'path':<12} {'req/s':>8} {'p50 ms':>8} {'of bare':>8}  {'target':>6}  answer")
    for result in results:
        share = 100 * result.rps / base
        target = TARGETS.get(result.name)
        print(
            f"  {result.name:<12} {result.rps:8.0f} {result.p50_ms:8.1f} {share:7.0f} %"
            f"  {f'{target} %' if target else '':>6}  {result.statuses}"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    ensure_wrk()
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        run(database, args.seconds, args.connections)


if __name__ == "__main__":
    main()
