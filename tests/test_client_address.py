"""The client's address and scheme behind trusted reverse proxies (FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, jsonify, request

from app import create_app
from app.client_address import client_address, forwarded_scheme, parse_trusted
from app.config import ConfigError
from app.extensions import db

LOCAL = parse_trusted("127.0.0.1,::1")
PROXIES = parse_trusted("127.0.0.1, ::1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
        # The right-most address that is not a proxy: what the client wrote comes first.
        ("127.0.0.1", "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        # A chain of proxies: each trusted hop is skipped.
        ("10.0.0.2", "203.0.113.5, 10.0.0.7", "203.0.113.5"),
        ("127.0.0.1", "203.0.113.5, 10.1.2.3, 127.0.0.1", "203.0.113.5"),
        # Any other peer keeps its own address whatever it claims.
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),
        ("192.0.2.50", "203.0.113.5, 10.0.0.7", "192.0.2.50"),
        # Spellings proxies use: ports, brackets, IPv6, IPv4-mapped IPv6.
        ("127.0.0.1", "203.0.113.5:4711", "203.0.113.5"),
        ("127.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("127.0.0.1", "::ffff:203.0.113.5", "203.0.113.5"),
        # Garbage entries are skipped; nothing usable leaves the peer.
        ("127.0.0.1", "unknown, 203.0.113.5, not-an-ip", "203.0.113.5"),
        ("127.0.0.1", "garbage", "127.0.0.1"),
        ("127.0.0.1", " , ,", "127.0.0.1"),
        ("127.0.0.1", "[2001:db8::7", "127.0.0.1"),
        ("127.0.0.1", "fe80::1%eth0", "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4:http", "127.0.0.1"),
        # A port is ASCII digits up to 65535: not "٣" or "²" (str.isdigit() took both).
        ("127.0.0.1", "1.2.3.4:٣", "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4:²", "127.0.0.1"),
        ("127.0.0.1", "[2001:db8::7]:٣", "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4:65536", "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4:" + "9" * 5000, "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", None, "127.0.0.1"),
        # Only proxies in the header (a request from inside their network): the farthest one.
        ("10.0.0.2", "10.0.0.9, 10.0.0.7", "10.0.0.9"),
    ],
)
def test_client_address(peer, header, expected):
    assert client_address(peer, header, PROXIES) == expected


def test_a_huge_header_is_read_from_its_end():
    header = "x" * 100_000 + ", 203.0.113.5"
    assert client_address("127.0.0.1", header, LOCAL) == "203.0.113.5"


def test_a_unix_socket_peer_is_the_local_proxy():
    assert client_address("", "203.0.113.5", LOCAL) == "203.0.113.5"


def test_star_trusts_the_peer_for_one_hop():
    anyone = parse_trusted("*")
    assert client_address("198.51.100.9", "192.0.2.1, 203.0.113.5", anyone) == "203.0.113.5"


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("127.0.0.1", "https", "https"),
        ("127.0.0.1", "HTTPS", "https"),
        ("127.0.0.1", "http, https", "https"),
        ("127.0.0.1", "gopher", None),
        ("198.51.100.9", "https", None),
        ("127.0.0.1", None, None),
    ],
)
def test_forwarded_scheme(peer, header, expected):
    assert forwarded_scheme(peer, header, LOCAL) == expected


@pytest.mark.parametrize(
    "value", ["10.0.0.0/33", "localhost", "10.0.0.1/8", "127.0.0.1;::1", "1.2.3", 42]
)
def test_a_bad_setting_is_a_clear_error(value):
    with pytest.raises(ConfigError, match="FORWARDED_ALLOW_IPS"):
        parse_trusted(value)


def test_the_setting_accepts_lists_and_blanks():
    trusted = parse_trusted(["192.168.0.0/16", " 2001:db8::/32 "])
    assert len(trusted.networks) == 2
    assert parse_trusted("127.0.0.1, ,::1,").networks == LOCAL.networks


@pytest.fixture
def probe_app(app: Flask) -> Callable[..., Flask]:
    """A fresh app on the test database with a route that shows what the app believes."""
    made: list[Flask] = []

    def make(**config: object) -> Flask:
        probe = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "RATE_LIMITS_ENABLED": False,
                **config,
            }
        )

        @probe.get("/probe")
        def show() -> object:
            return jsonify(address=request.remote_addr, scheme=request.scheme)

        made.append(probe)
        return probe

    yield make
    for probe in made:
        with probe.app_context():
            db.engine.dispose()


def _probe(app: Flask, peer: str, **headers: str) -> dict:
    answer = app.test_client().get("/probe", headers=headers, environ_base={"REMOTE_ADDR": peer})
    assert answer.status_code == 200
    return answer.get_json()


def test_the_app_believes_only_its_proxies(probe_app):
    app = probe_app()  # the default: 127.0.0.1 and ::1
    forwarded = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    assert _probe(app, "127.0.0.1", **forwarded) == {"address": "203.0.113.5", "scheme": "https"}
    assert _probe(app, "::1", **forwarded) == {"address": "203.0.113.5", "scheme": "https"}
    assert _probe(app, "198.51.100.9", **forwarded) == {"address": "198.51.100.9", "scheme": "http"}


def test_networks_from_the_setting(probe_app):
    app = probe_app(FORWARDED_ALLOW_IPS="172.16.0.0/12")
    assert _probe(app, "172.18.0.3", **{"X-Forwarded-For": "203.0.113.5"})["address"] == (
        "203.0.113.5"
    )
    # 127.0.0.1 is no longer a proxy once the setting names others.
    assert _probe(app, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.5"})["address"] == (
        "127.0.0.1"
    )


def test_garbage_headers_never_fail_a_request(probe_app, make_commune):
    app = probe_app()
    client = app.test_client()
    headers = {"X-Forwarded-For": "\u00ff\u0100, [::1, :::, 999.1.1.1", "X-Forwarded-Proto": "//"}
    assert client.get("/", headers=headers).status_code == 200
    assert _probe(app, "127.0.0.1", **headers) == {"address": "127.0.0.1", "scheme": "http"}


def test_the_setting_is_read_from_the_environment_without_prefix(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("FEEDBACK_ENV_NAME", "testing")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8,fd00::/8")
    configured = create_app()
    assert [str(n) for n in configured.extensions["trusted_proxies"].networks] == [
        "10.0.0.0/8",
        "fd00::/8",
    ]
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8,proxy.local")
    with pytest.raises(ConfigError, match=r"FORWARDED_ALLOW_IPS: 'proxy\.local'"):
        create_app()
