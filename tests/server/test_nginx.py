"""deploy/nginx.conf, the real nginx, in front of gunicorn: the loop over https, as deployed."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config import DEFAULTS
from tests.databases import postgres_for_test
from tests.server.helpers import flask_cli, free_port, gunicorn, server_env
from tests.server.nginx import SITE, Proxy, nginx, nginx_binary, session_from

pytestmark = pytest.mark.slow

OFFICIAL, PASSWORD = "canbo@example.vn", "mật khẩu thật dài"
JOIN_BUDGET = 2  # joins per client address per hour in this test (FEEDBACK_RATE_LIMITS)
HSTS = "max-age=31536000; includeSubDomains"


@dataclass(frozen=True)
class Site:
    proxy: Proxy
    join_url: str

    @property
    def url(self) -> str:
        return self.proxy.https_url

    @property
    def token(self) -> str:
        return self.join_url.rsplit("/", 1)[1]

    def client(self, address: str) -> requests.Session:
        """A resident's browser on ``address``: trusts the test certificate, sends Origin."""
        session = session_from(address, self.proxy.certificate)
        session.headers["Origin"] = self.url
        return session


@pytest.fixture(scope="module")
def nginx_path() -> str:
    binary = nginx_binary()
    if binary is None:
        reason = "nginx is not installed (bin/services installs Debian's package as root)"
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'feedback.sqlite3'}"
        return
    with postgres_for_test() as url:
        yield url


@pytest.fixture(scope="module")
def site(nginx_path, database, tmp_path_factory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("behind-nginx")
    upstream_port, http_port, https_port = free_port(), free_port(), free_port()
    env = server_env(root / "instance", database, f"https://127.0.0.1:{https_port}")
    env.update(
        FORWARDED_ALLOW_IPS="127.0.0.1,::1",
        FEEDBACK_RATE_LIMITS=json.dumps({"join-ip": [JOIN_BUDGET, 3600]}),
        # The subscription below names a push service on this machine (no worker runs here).
        PUSH_ALLOWED_HOSTS="127.0.0.1",
    )
    flask_cli(env, "db", "upgrade")
    join_url = flask_cli(env, "communes", "create", "xa-a", "--name", "Xã A").strip()
    flask_cli(
        env,
        *("users", "create", OFFICIAL, "--role", "official", "--commune", "xa-a"),
        "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )
    with (
        gunicorn(env, upstream_port),
        nginx(
            nginx_path,
            root / "nginx",
            upstream_port=upstream_port,
            http_port=http_port,
            https_port=https_port,
        ) as proxy,
    ):
        yield Site(proxy, join_url)


def _browser_subscription() -> dict:
    """What ``PushSubscription.toJSON()`` gives: an endpoint and the browser's keys."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return {
        "endpoint": f"https://127.0.0.1:{free_port()}/push/{secrets.token_urlsafe(16)}",
        "keys": {"p256dh": b64(point), "auth": b64(secrets.token_bytes(16))},
    }


def test_plain_http_moves_to_https_except_the_certificate_check(site):
    browser = site.client("127.0.0.4")
    plain = browser.get(f"{site.proxy.http_url}/j/abc?lang=vi", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://127.0.0.1/j/abc?lang=vi"

    challenge = site.proxy.webroot / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "probe").write_text("the certificate authority's token")
    check = browser.get(f"{site.proxy.http_url}/.well-known/acme-challenge/probe", timeout=10)
    assert check.status_code == 200 and check.text == "the certificate authority's token"


def test_join_ask_and_answer_over_https(site):
    resident = site.client("127.0.0.4")
    page = resident.get(site.join_url, timeout=10)
    assert page.status_code == 200 and "Xã A" in page.text
    # One HSTS header (nginx's; the app's copy is hidden), on the app's pages as on nginx's.
    assert page.raw.headers.getlist("Strict-Transport-Security") == [HSTS]
    missing = resident.get(f"{site.url}/no-such-page", timeout=10)
    assert missing.raw.headers.getlist("Strict-Transport-Security") == [HSTS]

    joined = resident.post(f"{site.url}/api/v1/join", json={"token": site.token}, timeout=10)
    assert joined.status_code == 201
    assert re.search(r";\s*Secure", joined.headers["Set-Cookie"])
    assert all(cookie.secure for cookie in resident.cookies)

    asked = resident.post(
        f"{site.url}/api/v1/communes/xa-a/threads",
        json={"kind": "question", "body": "Đường ngập có đi được không?", "visibility": "public"},
        timeout=10,
    )
    assert asked.status_code == 201
    thread_id = asked.json()["id"]

    key = resident.get(f"{site.url}/api/v1/push/key", timeout=10)
    assert key.status_code == 200 and key.json()["public_key"]
    subscribed = resident.post(
        f"{site.url}/api/v1/push/subscriptions", json=_browser_subscription(), timeout=10
    )
    assert subscribed.status_code == 201

    official = site.client("127.0.0.5")
    signed_in = official.post(
        f"{site.url}/api/v1/auth/login",
        json={"email": OFFICIAL, "password": PASSWORD},
        timeout=10,
    )
    assert signed_in.status_code == 200
    reply = official.post(
        f"{site.url}/api/v1/threads/{thread_id}/replies",
        json={"body": "Đi được, tránh cầu cũ."},
        timeout=10,
    )
    assert reply.status_code == 201

    seen = resident.get(f"{site.url}/api/v1/threads/{thread_id}", timeout=10).json()
    assert [r["body"] for r in seen["replies"]] == ["Đi được, tránh cầu cũ."]

    # nginx's access log names neither the join token nor the client.
    log = site.proxy.access_log.read_text()
    assert '"GET /j/..." 200' in log
    assert site.token not in log and "127.0.0.4" not in log
    # And nginx had nothing to warn about in the configuration.
    assert not re.search(r"\[(warn|error|crit|alert|emerg)\]", site.proxy.error_log.read_text())


def test_each_resident_address_has_its_own_join_budget(site):
    """CONTRACT with branch proxy-limits (fails until it is merged): behind the proxy the
    limits count the client's address that nginx saw, not nginx's own (FORWARDED_ALLOW_IPS),
    and FEEDBACK_RATE_LIMITS sets the join budget per address."""

    def join_from(address: str, forged: str) -> requests.Response:
        # A fresh browser each time; the X-Forwarded-For a client writes itself changes nothing.
        return site.client(address).post(
            f"{site.url}/api/v1/join",
            json={"token": site.token},
            headers={"X-Forwarded-For": forged},
            timeout=10,
        )

    first = [join_from("127.0.0.2", f"198.51.100.{n}").status_code for n in range(JOIN_BUDGET)]
    assert first == [201] * JOIN_BUDGET
    refused = join_from("127.0.0.2", "198.51.100.99")
    assert refused.status_code == 429, "is branch proxy-limits merged?"
    assert int(refused.headers["Retry-After"]) > 0
    assert join_from("127.0.0.3", "127.0.0.2").status_code == 201


def test_the_proxy_takes_the_largest_request_the_app_takes():
    size = re.search(r"client_max_body_size (\d+)m;", SITE.read_text())
    assert size is not None
    assert int(size.group(1)) * 1024 * 1024 == DEFAULTS["MAX_CONTENT_LENGTH"]
