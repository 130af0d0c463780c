"""The resident's pages against their budgets: first-visit weight and Lighthouse scores.

    .venv/bin/python -m benchmarks.pages [--skip-lighthouse] [--keep-reports DIR]
                                         [--lighthouse-cache DIR] [--lighthouse-timeout 120]

Starts the real server as the browser tests do (gunicorn on 127.0.0.1, a throwaway SQLite
instance, one commune, one official, rate limits off), joins one resident through the JSON API
and gives the feed one question with an official's reply. Then:

1. Weight: Debian's chromium, driven by Playwright, scans the join URL as a new phone, taps
   "join" and lands on the feed while the service worker installs and precaches the app shell.
   Every response the server sent meanwhile is read from its access log (bodies as sent, gzip
   where they are text; pages, precache and all), plus the manifest and its icons, which a
   phone that installs the app reads too; photos excluded; headers at a flat 1 KB a response,
   as tests/browser/test_budget.py counts them. Budget: 60 KB.
2. Lighthouse 12 (installed with npm into ~/.cache/commune-feedback/lighthouse, outside the
   repository, when missing) on the join, feed and thread pages with its mobile defaults
   (simulated slow 4G, a mid-range phone), in Vietnamese, the resident's session cookie sent
   for the feed and thread. Budgets: performance >= 95, accessibility 100, best practices
   >= 95. For a score under its budget, the audits that cost the points are listed.

A benchmark reports; it does not assert: it prints the figures and exits 0, whatever they are.
Each Lighthouse run is stopped after 120 s (with its chromium); everything targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server.helpers import flask_cli, free_port, gunicorn, server_env  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LIGHTHOUSE_CHROME_FLAGS = " ".join(["--headless=new", *CHROMIUM_ARGS[:-1]])
LIGHTHOUSE_VERSION = "12"
LIGHTHOUSE_TIMEOUT = 120
DEFAULT_CACHE = Path.home() / ".cache" / "commune-feedback" / "lighthouse"

SLUG = "xa-a"
COMMUNE = "Xã A Lưới"
OFFICIAL = "canbo@xa-a.vn"
PASSWORD = "một mật khẩu thật dài"

WEIGHT_BUDGET = 60 * 1024
HEADER_ALLOWANCE = 1024  # bytes of response headers counted for each response
# Lighthouse categories: (id, label, the lowest score that meets the budget).
CATEGORIES = [
    ("performance", "performance", 95),
    ("accessibility", "accessibility", 100),
    ("best-practices", "best practices", 95),
]
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" (?P<status>\d{3}) (?P<bytes>\d+|-)')


@dataclass
class Site:
    url: str
    join_url: str
    instance: Path
    cookie: str  # the resident's cf_session
    thread_id: int


# --- the server and its content ---------------------------------------------------------------


def prepare(instance: Path) -> tuple[dict[str, str], int, str]:
    """A migrated throwaway database with a commune and its official; the server's env."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(instance, f"sqlite:///{instance / 'feedback.sqlite3'}", base_url)
    env["FEEDBACK_RATE_LIMITS_ENABLED"] = "false"
    flask_cli(env, "db", "upgrade")
    join_url = flask_cli(env, "communes", "create", SLUG, "--name", COMMUNE).strip()
    flask_cli(
        env,
        *("users", "create", OFFICIAL, "--role", "official", "--commune", SLUG),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return env, port, join_url


def seed(url: str, join_url: str) -> tuple[str, int]:
    """A resident who joined and asked; an official who answered. The cookie and the thread."""
    origin = {"Origin": url}
    with requests.Session() as resident, requests.Session() as official:
        token = join_url.rsplit("/", 1)[1]
        joined = resident.post(
            f"{url}/api/v1/join",
            json={"token": token, "display_name": "Chị Lan"},
            headers=origin,
            timeout=10,
        )
        joined.raise_for_status()
        asked = resident.post(
            f"{url}/api/v1/communes/{SLUG}/threads",
            json={
                "kind": "question",
                "body": "Khi nào xã sửa đèn đường ở thôn 3? Tối nay vẫn còn tắt.",
                "visibility": "public",
            },
            headers=origin,
            timeout=10,
        )
        asked.raise_for_status()
        thread_id = asked.json()["id"]
        official.post(
            f"{url}/api/v1/auth/login",
            json={"email": OFFICIAL, "password": PASSWORD},
            headers=origin,
            timeout=10,
        ).raise_for_status()
        official.post(
            f"{url}/api/v1/threads/{thread_id}/replies",
            json={"body": "Thứ Hai tuần sau đội điện sẽ đến thay bóng. Cảm ơn chị đã báo."},
            headers=origin,
            timeout=10,
        ).raise_for_status()
        cookie = resident.cookies.get("cf_session")
        if not cookie:
            raise RuntimeError("the join answer set no cf_session cookie")
        return cookie, thread_id


# --- 1. first-visit weight --------------------------------------------------------------------


def compressed_size(url: str) -> int:
    """A file's body size as the server sends it to a browser that accepts gzip."""
    with requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10) as r:
        return len(r.raw.read(decode_content=False))


def log_size(log: Path) -> int:
    return log.stat().st_size


def first_visit(site: Site) -> None:
    """A new phone scans, joins and lands on the feed; the worker installs. Count the bytes.

    Counted on the server side, as tests/browser/test_budget.py does: the access log records
    each response's body as sent (gzip-compressed where it is text), whoever fetched it (the
    pages, the service worker's precache, navigation preload). Files sent with sendfile are
    logged as 0 and are measured again. Headers are counted at a flat 1 KB a response (they
    are 0.6 to 0.9 KB here, mostly the security headers).
    """
    from playwright.sync_api import sync_playwright

    log = site.instance / "gunicorn.log"
    start = log_size(log)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 740},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="vi-VN",
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(site.join_url)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: u.split("?")[0].endswith(f"/c/{SLUG}"))
            # Active means installed: the shell is precached. Then it keeps the feed page.
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            # The worker's own fetches do not count for "networkidle": wait for a quiet log.
            deadline, last, since = time.monotonic() + 15, log_size(log), time.monotonic()
            while time.monotonic() < deadline and time.monotonic() - since < 2:
                page.wait_for_timeout(200)
                if log_size(log) != last:
                    last, since = log_size(log), time.monotonic()
            controlled = page.evaluate("navigator.serviceWorker.controller !== null")
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            context.close()
        finally:
            browser.close()

    with log.open(encoding="utf-8") as handle:
        handle.seek(start)
        lines = [m.groupdict() for m in map(ACCESS_LINE.search, handle) if m]
    rows: list[tuple[str, int, int]] = []  # "METHOD path", status, body bytes as sent
    for line in lines:
        size = 0 if line["bytes"] == "-" else int(line["bytes"])
        if size == 0 and line["status"] == "200":  # files sent by sendfile are logged as 0
            size = compressed_size(site.url + line["path"])
        rows.append((f"{line['method']} {line['path']}", int(line["status"]), size))

    # A phone that installs the app also reads the manifest and its icons.
    paths = {name.split(" ", 1)[1] for name, _status, _size in rows}
    installing = 0
    if "/manifest.webmanifest" not in paths:
        manifest = requests.get(
            f"{site.url}/manifest.webmanifest",
            headers={"Accept-Encoding": "gzip"},
            cookies=cookies,
            stream=True,
            timeout=10,
        )
        raw = manifest.raw.read(decode_content=False)
        rows.append(("GET /manifest.webmanifest (install)", manifest.status_code, len(raw)))
        icons = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)["icons"]
        installing = 1
        for icon in icons:
            if icon["src"] not in paths:
                rows.append(
                    (f"GET {icon['src']} (install)", 200, compressed_size(site.url + icon["src"]))
                )
                installing += 1

    counted = [row for row in rows if not row[0].split(" ", 1)[1].startswith("/photos/")]
    bodies = sum(size for _name, _status, size in counted)
    total = bodies + HEADER_ALLOWANCE * len(counted)

    print("\n1. First visit: join page + feed page, with what the service worker precaches")
    print(f"   {'request (as logged: tokens masked, no query)':<58} {'status':>6} {'body B':>7}")
    for name, status, size in counted:
        shown = name if len(name) <= 58 else name[:55] + "..."
        print(f"   {shown:<58} {status:>6} {size:>7}")
    if len(counted) != len(rows):
        print(f"   ({len(rows) - len(counted)} photo responses not counted)")
    missing = [p for p in ("/sw.js", "/offline", f"/c/{SLUG}") if p not in paths]
    if missing:
        print(f"   warning: the visit is incomplete, never fetched: {', '.join(missing)}")
    if not controlled:
        print("   warning: the service worker did not take control of the feed page")
    verdict = "within budget" if total <= WEIGHT_BUDGET else "OVER BUDGET"
    print(
        f"   {len(counted)} responses ({installing} read when installing): {bodies} B of bodies"
        f" + {len(counted)} x {HEADER_ALLOWANCE} B for headers = {total} B"
    )
    print(
        f"   first visit, join + feed: {total / 1024:.1f} KB "
        f"(bodies alone {bodies / 1024:.1f} KB); budget {WEIGHT_BUDGET / 1024:.0f} KB: {verdict}"
    )


# --- 2. Lighthouse ----------------------------------------------------------------------------


def ensure_lighthouse(cache: Path) -> Path | None:
    """The lighthouse CLI, installed with npm into ``cache`` (outside the repository) if missing."""
    binary = cache / "node_modules" / ".bin" / "lighthouse"
    if binary.exists() and installed_major(cache) == LIGHTHOUSE_VERSION:
        return binary
    npm = shutil.which("npm")
    if npm is None:
        print("   npm is not on PATH: cannot install lighthouse")
        return None
    cache.mkdir(parents=True, exist_ok=True)
    print(f"   installing lighthouse@{LIGHTHOUSE_VERSION} into {cache} ...", flush=True)
    try:
        result = subprocess.run(
            [
                *(npm, "install", "--prefix", str(cache)),
                *(f"lighthouse@{LIGHTHOUSE_VERSION}", "--no-audit", "--no-fund", "--silent"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        print("   npm install did not finish in 600 s")
        return None
    if result.returncode != 0 or not binary.exists():
        print(f"   npm install failed:\n{result.stderr[-2000:]}")
        return None
    return binary


def installed_version(cache: Path) -> str | None:
    package = cache / "node_modules" / "lighthouse" / "package.json"
    try:
        return json.loads(package.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def installed_major(cache: Path) -> str | None:
    version = installed_version(cache)
    return version.split(".")[0] if version else None


def run_lighthouse(binary: Path, url: str, out: Path, headers: Path, limit: int) -> dict | None:
    """One Lighthouse run (mobile defaults); its JSON report, or None (reason printed)."""
    command = [
        str(binary),
        url,
        "--only-categories=performance,accessibility,best-practices",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={LIGHTHOUSE_CHROME_FLAGS}",
        f"--extra-headers={headers}",
        "--no-enable-error-reporting",  # nothing leaves 127.0.0.1
        "--quiet",
    ]
    # Chromium's throwaway profile goes under our temporary folder (gone even after a kill).
    env = {**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": str(out.parent)}
    # Its own process group, so that a run past its time is stopped with the chromium it started.
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        # chrome-launcher starts chromium detached, in a group of its own: stop those groups
        # (found among lighthouse's children) as well as lighthouse's.
        groups = {process.pid}
        for pid in descendants(process.pid):
            with contextlib.suppress(ProcessLookupError):
                groups.add(os.getpgid(pid))
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        process.communicate()
        print(f"   lighthouse stopped after {limit} s on {url}")
        return None
    if process.returncode != 0 or not out.exists():
        print(f"   lighthouse failed on {url} (exit {process.returncode}):\n{stderr[-2000:]}")
        return None
    return json.loads(out.read_text())


def descendants(root: int) -> list[int]:
    """The processes started, directly or not, by ``root`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def category_losses(report: dict, category: str) -> list[str]:
    """The audits of a category that cost points: weighted, scored below 1."""
    audits = report["audits"]
    lines = []
    refs = report["categories"][category]["auditRefs"]
    total_weight = sum(ref["weight"] for ref in refs) or 1
    for ref in refs:
        audit = audits.get(ref["id"], {})
        score = audit.get("score")
        if ref["weight"] > 0 and score is not None and score < 1:
            cost = ref["weight"] * (1 - score) / total_weight * 100
            shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            lines.append(
                f"{ref['id']}: score {score:.2f}, costs {cost:.1f} points - "
                f"{audit.get('title', '')}{shown}"
            )
            lines.extend(f"    {item}" for item in failing_items(audit))
    return lines


def failing_items(audit: dict, limit: int = 4) -> list[str]:
    """A few of the elements or URLs an audit points at."""
    details = audit.get("details") or {}
    out = []
    for item in (details.get("items") or [])[:limit]:
        node = item.get("node") or {}
        where = node.get("selector") or item.get("url") or item.get("source", {}).get("url")
        if where:
            note = node.get("explanation", "").replace("\n", " ")
            out.append(f"{where}{': ' + note[:160] if note else ''}")
    return out


def lighthouse(site: Site, cache: Path, keep: Path | None, limit: int) -> None:
    print(f"\n2. Lighthouse {LIGHTHOUSE_VERSION} (mobile defaults), chromium {CHROMIUM}")
    binary = ensure_lighthouse(cache)
    if binary is None:
        print("   lighthouse is not available: no scores")
        return
    version = installed_version(cache)
    pages = [
        ("join", site.join_url, False),
        ("feed", f"{site.url}/c/{SLUG}", True),
        ("thread", f"{site.url}/t/{site.thread_id}", True),
    ]
    with tempfile.TemporaryDirectory(prefix="cf-lighthouse-") as tmp:
        # Vietnamese pages, as residents see them (headless chromium asks for English).
        visitor = Path(tmp) / "visitor.json"
        visitor.write_text(json.dumps({"Accept-Language": "vi-VN,vi;q=0.9"}))
        resident = Path(tmp) / "resident.json"
        resident.write_text(
            json.dumps({"Accept-Language": "vi-VN,vi;q=0.9", "Cookie": f"cf_session={site.cookie}"})
        )
        reports: dict[str, dict | None] = {}
        for name, url, signed_in in pages:
            out = Path(tmp) / f"{name}.json"
            started = time.monotonic()
            headers = resident if signed_in else visitor
            reports[name] = run_lighthouse(binary, url, out, headers, limit)
            print(f"   {name}: ran in {time.monotonic() - started:.0f} s", flush=True)
            if keep is not None and out.exists():
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(out, keep / f"lighthouse-{name}.json")

    print(f"\n   lighthouse {version:<12}" + "".join(f"{c[1]:>18}" for c in CATEGORIES))
    misses: list[tuple[str, str, dict]] = []
    for name, url, _signed_in in pages:
        report = reports[name]
        cells = []
        for category, _label, budget in CATEGORIES:
            score = None
            if report is not None:
                raw = report["categories"].get(category, {}).get("score")
                score = None if raw is None else round(raw * 100)
            if score is None:
                cells.append(f"{'n/a':>18}")
                continue
            ok = score >= budget
            cells.append(f"{score:>8} {'ok' if ok else 'MISS':>4} (>={budget:>3})")
            if not ok:
                misses.append((name, category, report))
        print(f"   {name:<17}" + "".join(cells))
        if report is not None:
            if report.get("runtimeError"):
                print(f"     runtime error: {report['runtimeError'].get('message')}")
            metrics = ", ".join(
                f"{short} {report['audits'][m].get('displayValue', '?')}"
                for m, short in METRICS.items()
                if m in report["audits"]
            )
            print(f"     {metrics}")
            final = report.get("finalDisplayedUrl") or report.get("finalUrl")
            if final and final.split("?")[0] != url.split("?")[0]:
                print(f"     note: the page ended at {final}")

    scored = [name for name, _url, _signed_in in pages if reports[name] is not None]
    if misses:
        print("\n   What cost the points:")
        for name, category, report in misses:
            print(f"   - {name}, {category}:")
            for line in category_losses(report, category) or ["(no single audit below 1)"]:
                print(f"       {line}")
    elif len(scored) == len(pages):
        print("\n   every score meets its budget")
    else:
        unscored = ", ".join(name for name, _url, _signed_in in pages if name not in scored)
        print(f"\n   no score for: {unscored}; the other scores meet their budgets")
    if keep is not None:
        print(f"   reports kept in {keep}")


# --- main -------------------------------------------------------------------------------------


def attempt(step, *args: object) -> None:
    """Run one measurement; if it breaks, say how and go on (a benchmark reports)."""
    try:
        step(*args)
    except Exception:
        print(f"   {step.__name__} failed:")
        traceback.print_exc(file=sys.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse-cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--keep-reports", type=Path, default=None)
    parser.add_argument("--skip-lighthouse", action="store_true")
    parser.add_argument(
        "--lighthouse-timeout", type=int, default=LIGHTHOUSE_TIMEOUT, help="seconds per page"
    )
    args = parser.parse_args()

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cf-pages-") as tmp:
        instance = Path(tmp)
        try:
            env, port, join_url = prepare(instance)
            with gunicorn(env, port) as url:
                cookie, thread_id = seed(url, join_url)
                site = Site(url, join_url, instance, cookie, thread_id)
                print(f"server {url} (gunicorn, SQLite); feed /c/{SLUG}, thread /t/{thread_id}")
                attempt(first_visit, site)
                if not args.skip_lighthouse:
                    attempt(
                        lighthouse,
                        site,
                        args.lighthouse_cache,
                        args.keep_reports,
                        args.lighthouse_timeout,
                    )
        except Exception:
            print("could not start or prepare the server:")
            traceback.print_exc(file=sys.stdout)
    print(f"\ndone in {time.monotonic() - started:.0f} s")
    sys.exit(0)


if __name__ == "__main__":
    main()
