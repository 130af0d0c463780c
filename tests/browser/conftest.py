"""Browser tests: Debian's chromium, driven by Playwright, against the real gunicorn server.

One server (throwaway SQLite instance) and one browser for the whole session; every test opens
its own browser contexts (a fresh phone each: its own cookies, service worker and storage).
Never ``playwright install``: the browser is /usr/bin/chromium from Debian.
"""

from __future__ import annotations

import io
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.server.helpers import ROOT, flask_cli, free_port, gunicorn, server_env

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
OFFICIAL = "canbo@xa-a.vn"
# Another official, whose sign-in settings a test may change without touching OFFICIAL's.
DEPUTY = "phoban@xa-a.vn"
# An admin over every commune, and an official who forgets their password (tests/browser/
# test_passwords.py changes theirs; no other test signs in as them).
ADMIN = "quantri@xa-a.vn"
FORGETFUL = "hayquen@xa-a.vn"
PASSWORD = "một mật khẩu thật dài"
COMMUNE = "Xã A Lưới"
SLUG = "xa-a"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return "Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (bin/setup test)"
    return None


@dataclass
class Site:
    """The running server and what it was prepared with."""

    url: str
    join_url: str
    instance: Path
    # The server's environment: `flask_cli(site.env, ...)` prepares more, beside the running server.
    env: dict[str, str] = field(default_factory=dict)
    sessions: list[requests.Session] = field(default_factory=list)

    def official(self) -> requests.Session:
        """A signed-in official of the commune, speaking the JSON API (closed at the end)."""
        session = requests.Session()
        self.sessions.append(session)
        session.headers["Origin"] = self.url
        answer = session.post(
            f"{self.url}/api/v1/auth/login",
            json={"email": OFFICIAL, "password": PASSWORD},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return session

    def query(self, sql: str, *args: object) -> list[tuple]:
        """Read the server's database directly (SQLite, read-only)."""
        uri = f"file:{self.instance / 'feedback.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=10) as connection:
            return connection.execute(sql, args).fetchall()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    instance = tmp_path_factory.mktemp("browser-instance")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(instance, f"sqlite:///{instance / 'feedback.sqlite3'}", base_url)
    # The browser's stand-in subscriptions point at this host (there is no push service here).
    env["PUSH_ALLOWED_HOSTS"] = "127.0.0.1"
    # Every test joins and posts from 127.0.0.1: the per-address limits are not under test here.
    env["FEEDBACK_RATE_LIMITS_ENABLED"] = "false"
    flask_cli(env, "db", "upgrade")
    join_url = flask_cli(env, "communes", "create", SLUG, "--name", COMMUNE).strip()
    for email in (OFFICIAL, DEPUTY, FORGETFUL):
        flask_cli(
            env,
            "users",
            "create",
            email,
            "--role",
            "official",
            "--commune",
            SLUG,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    flask_cli(
        env, "users", "create", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    with gunicorn(env, port) as url:
        site = Site(url=url, join_url=join_url, instance=instance, env=env)
        yield site
        for session in site.sessions:
            session.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium, site: Site) -> Iterator[Callable[..., object]]:
    """Open a fresh phone (browser context): 360x740, Vietnamese, the site as base URL."""
    contexts = []

    def open_phone(**options: object):
        settings = {
            "viewport": PHONE,
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
            "locale": "vi-VN",
            "base_url": site.url,
            **options,
        }
        context = chromium.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        # Any script error or Content-Security-Policy refusal in a page fails the test.
        context.on("weberror", lambda error: troubles.append(f"{error.page}: {error.error}"))
        context.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and troubles.append(message.text)
            ),
        )
        return context

    troubles: list[str] = []
    yield open_phone
    for context in contexts:
        context.close()
    assert troubles == []


def join(context, site: Site, name: str = "", *, join_url: str = "", slug: str = SLUG):
    """Scan (open the join URL) and tap the one button: the new member's feed page.

    The site's own commune unless ``join_url`` and ``slug`` name another one."""
    page = context.new_page()
    page.goto(join_url or site.join_url)
    if name:
        page.fill("#display_name", name)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.endswith(f"/c/{slug}?joined=1"))
    return page


def until(page, expression: str, timeout: float = 30.0) -> object:
    """Poll a JavaScript expression (promises awaited) until it is truthy; return its value.

    (``wait_for_function`` evaluates strings with eval(), which the site's CSP forbids, and
    does not await promises.) A generous bound: it only decides how long a failing run
    waits, and on a loaded machine the service worker fetching its words for each push can
    take more than ten seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def controlled(page) -> None:
    """Wait until the service worker is active (shell precached) and controls the page.

    A page still loading while the worker activates is not claimed by it (clients.claim()
    skips clients that are not yet execution-ready); it is controlled from its next load.
    """
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    until(page, "navigator.serviceWorker.controller !== null")


def photo_bytes(width: int = 3000, height: int = 2000) -> bytes:
    """A phone-sized JPEG with a GPS tag, as a camera makes it."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (40, 120, 200))
    for x in range(0, width, 100):
        image.paste((230, 180, 40), (x, 0, x + 50, height))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (10.0, 20.0, 30.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def screenshot(page, name: str) -> None:
    """Refresh docs/screenshots/<name>.png only when asked (SCREENSHOTS=1)."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), scale="css")
