"""Stop PostgreSQL under load, start it again: clear 503s meanwhile, nothing half-written,
and service resumes by itself.

    .venv/bin/python -m benchmarks.pg_outage [--outage 5] [--seconds 20]

Runs gunicorn against a throwaway PostgreSQL database, residents asking and reading from 8
threads, stops the local PostgreSQL cluster (pg_ctlcluster) for ``--outage`` seconds in the
middle, then starts it again (always, even if the script fails). Prints the status codes seen
before, during and after the outage, whether every 503 was the JSON error envelope with a
Retry-After, whether any 500 appeared, and whether every accepted question is in the database.
Needs root (or the postgres user) and a local cluster; 127.0.0.1 only; bounded in time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.databases import throwaway_postgres  # noqa: E402
from tests.server.helpers import flask_cli, free_port, gunicorn, server_env  # noqa: E402


def cluster(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=False,
        timeout=60,
    )


def wait_for_postgres(limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0:
            return
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    phases: dict[str, Counter] = {"before": Counter(), "during": Counter(), "after": Counter()}
    phase = ["before"]
    bad_503: list[str] = []
    accepted: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    with tempfile.TemporaryDirectory() as tmp, throwaway_postgres() as db_url:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = server_env(Path(tmp) / "instance", db_url, url)
        env["FEEDBACK_RATE_LIMITS_ENABLED"] = "false"
        flask_cli(env, "db", "upgrade")
        token = flask_cli(env, "communes", "create", "xa-mat-dien", "--name", "Xã Mất Điện")
        token = token.strip().rsplit("/", 1)[1]

        def resident() -> None:
            session = requests.Session()
            headers = {"Origin": url}
            while not stop.is_set() and session.post(
                f"{url}/api/v1/join", json={"token": token}, headers=headers, timeout=10
            ).status_code not in (200, 201):
                time.sleep(0.5)
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    if n % 2:
                        response = session.post(
                            f"{url}/api/v1/communes/xa-mat-dien/threads",
                            json={"kind": "question", "body": f"Câu hỏi {n}"},
                            headers=headers,
                            timeout=10,
                        )
                    else:
                        response = session.get(
                            f"{url}/api/v1/communes/xa-mat-dien/threads", timeout=10
                        )
                    status = response.status_code
                except requests.RequestException:
                    status = 0  # connection-level failure
                with lock:
                    phases[phase[0]][status] += 1
                    if status == 201:
                        accepted.append(response.json()["id"])
                    if status == 503 and (
                        "error" not in response.json() or "Retry-After" not in response.headers
                    ):
                        bad_503.append(response.text[:100])
                time.sleep(0.05)

        with gunicorn(env, port):
            threads = [threading.Thread(target=resident) for _ in range(8)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(args.seconds / 2)
                phase[0] = "during"
                cluster("stop")
                time.sleep(args.outage)
            finally:
                cluster("start")
                wait_for_postgres()
            phase[0] = "after"
            time.sleep(args.seconds / 2)
            stop.set()
            for thread in threads:
                thread.join(30)
        engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            stored = set(conn.execute(text("SELECT id FROM thread")).scalars())
        engine.dispose()

    for name, counts in phases.items():
        print(f"{name:>7}: {dict(sorted(counts.items()))}")
    print(f"503 answers without the JSON envelope or Retry-After: {len(bad_503)}")
    print(f"500 answers: {sum(c[500] for c in phases.values())}")
    missing = set(accepted) - stored
    print(f"accepted questions: {len(accepted)}; missing from the database: {len(missing)}")
    recovered = phases["after"][201] + phases["after"][200] > 0
    print(f"service resumed by itself after the outage: {'yes' if recovered else 'NO'}")


if __name__ == "__main__":
    main()
