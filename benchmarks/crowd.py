"""A crowd at the board behind one address, and a script making members: the limits' shape.

    .venv/bin/python -m benchmarks.crowd [--residents 300] [--database sqlite|postgresql|both]

Real gunicorn with the default limits, reached as through a reverse proxy on 127.0.0.1 (the
default FORWARDED_ALLOW_IPS): every request carries X-Forwarded-For. Three runs:

- a crowd, each resident with their own address (the TLS proxy case): join, then ask;
- the same crowd all behind one address (the hall's Wi-Fi, a carrier's CGNAT);
- a script creating members from one address, a fresh cookie each time, until refused.

It prints how many joined and asked, how many were refused, after how many members the
script was stopped (and its Retry-After), and the latency of the limited requests as a
multiple of an unlimited read measured in the same run (a baseline, so no absolute times).
Everything targets 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_mixed import throwaway_or_sqlite  # noqa: E402
from tests.server.helpers import flask_cli, free_port, gunicorn, server_env  # noqa: E402

SCRIPT_CAP = 2_000  # "well before 2,000 in an hour"
CROWD_WORKERS = 16  # residents scanning at the same moment


def timed(method, *args, **kwargs) -> tuple[requests.Response, float]:
    started = time.perf_counter()
    response = method(*args, timeout=30, **kwargs)
    return response, time.perf_counter() - started


def resident(url: str, token: str, slug: str, address: str, n: int) -> dict:
    """Scan, join, ask one question; what happened and how long each step took."""
    session = requests.Session()
    session.headers.update({"Origin": url, "X-Forwarded-For": address})
    joined, join_s = timed(session.post, f"{url}/api/v1/join", json={"token": token})
    if joined.status_code != 201:
        return {"join": joined.status_code, "join_s": join_s}
    asked, ask_s = timed(
        session.post,
        f"{url}/api/v1/communes/{slug}/threads",
        json={"kind": "question", "body": f"Câu hỏi của người dân số {n}", "visibility": "public"},
    )
    return {"join": 201, "join_s": join_s, "ask": asked.status_code, "ask_s": ask_s}


def crowd(url: str, token: str, slug: str, residents: int, shared: str | None) -> list[dict]:
    def address(n: int) -> str:
        return shared or f"10.{n // 62_500}.{n // 250 % 250}.{n % 250 + 1}"

    with ThreadPoolExecutor(max_workers=CROWD_WORKERS) as pool:
        return list(pool.map(lambda n: resident(url, token, slug, address(n), n), range(residents)))


def script(url: str, token: str) -> dict:
    """One address, a new member per request (the cookie thrown away), until refused."""
    headers = {"Origin": url, "X-Forwarded-For": "198.51.100.66"}
    latencies, started = [], time.perf_counter()
    for n in range(1, SCRIPT_CAP + 1):
        answer, seconds = timed(
            requests.post, f"{url}/api/v1/join", json={"token": token}, headers=headers
        )
        latencies.append(seconds)
        if answer.status_code == 429:
            return {
                "created": n - 1,
                "refused_at": n,
                "retry_after": int(answer.headers.get("Retry-After", 0)),
                "took_s": time.perf_counter() - started,
                "join_s": latencies[:-1],
                "refused_s": timed(
                    requests.post, f"{url}/api/v1/join", json={"token": token}, headers=headers
                )[1],
            }
        assert answer.status_code == 201, answer.text
    return {"created": SCRIPT_CAP, "refused_at": None, "join_s": latencies}


def baseline(url: str, slug: str, workers: int, reads: int) -> float:
    """Median time of an unlimited read (the commune's feed) at the given concurrency."""

    def read(_n: int) -> float:
        return timed(requests.get, f"{url}/api/v1/communes/{slug}/threads")[1]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return statistics.median(pool.map(read, range(reads)))


def report_crowd(title: str, results: list[dict], base: float) -> None:
    joins = Counter(r["join"] for r in results)
    asks = Counter(r["ask"] for r in results if "ask" in r)
    join_p50 = statistics.median(r["join_s"] for r in results)
    ask_times = [r["ask_s"] for r in results if "ask_s" in r]
    ask_p50 = statistics.median(ask_times) if ask_times else float("nan")
    print(f"  {title}")
    print(
        f"    joined {joins[201]} of {len(results)}, refused {joins[429]}"
        f"{'' if set(joins) <= {201, 429} else f', other {dict(joins)}'}"
    )
    print(f"    asked  {asks[201]}, refused {asks[429]}")
    print(f"    join p50 {join_p50 / base:.1f}x baseline, ask p50 {ask_p50 / base:.1f}x baseline")


def run(database: str, residents: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, throwaway_or_sqlite(database, tmp) as db_url:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = server_env(Path(tmp) / "instance", db_url, url)
        env.pop("FORWARDED_ALLOW_IPS", None)  # the default: a proxy on this host
        flask_cli(env, "db", "upgrade")
        tokens = {}
        for slug in ("xa-mot", "xa-hai", "xa-ba"):
            join_url = flask_cli(env, "communes", "create", slug, "--name", slug).strip()
            tokens[slug] = join_url.rsplit("/", 1)[1]
        with gunicorn(env, port):
            # The crowd runs 16 at a time, the script one at a time: each has its baseline.
            crowd_base = baseline(url, "xa-mot", CROWD_WORKERS, 2 * residents)
            spread = crowd(url, tokens["xa-mot"], "xa-mot", residents, shared=None)
            shared = crowd(url, tokens["xa-hai"], "xa-hai", residents, shared="203.0.113.7")
            script_base = baseline(url, "xa-mot", 1, 100)
            scripted = script(url, tokens["xa-ba"])
    print(f"\n{database}: default limits, {residents} residents, through a proxy on 127.0.0.1")
    print(f"  baselines: an unlimited feed read, {CROWD_WORKERS} at a time and one at a time")
    report_crowd("each resident with their own address (behind the TLS proxy):", spread, crowd_base)
    report_crowd("all residents behind one address (Wi-Fi, CGNAT):", shared, crowd_base)
    base = script_base
    print("  a script creating members from one address:")
    if scripted["refused_at"] is None:
        print(f"    NOT refused: created {scripted['created']} members")
        return
    print(
        f"    created {scripted['created']} members, refused (429) at request "
        f"{scripted['refused_at']} of at most {SCRIPT_CAP}, Retry-After {scripted['retry_after']} s"
    )
    script_p50 = statistics.median(scripted["join_s"])
    print(
        f"    stopped after {scripted['took_s'] / (scripted['refused_at'] * base):.1f}x the time "
        f"of as many baseline reads; join p50 {script_p50 / base:.1f}x baseline, "
        f"a refused join {scripted['refused_s'] / base:.1f}x baseline"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        run(database, args.residents)


if __name__ == "__main__":
    main()
