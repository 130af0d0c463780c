"""The worker never follows a push service's redirect, and never reaches an address that
PUSH_ALLOWED_HOSTS does not list, even one written as an IP literal."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.extensions import db
from app.push.endpoints import EndpointNotAllowed, check_endpoint, parse_allowed_hosts
from app.push.models import Delivery, PushSubscription
from app.push.sender import NOT_ALLOWED, REDIRECT


class Listener:
    """A TCP listener on 127.0.0.1 that counts every connection made to it (and answers 201,
    so that a request that reached it would look delivered)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.05)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _address = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def redirecting_service(status: int, location: str) -> ThreadingHTTPServer:
    """A push service on 127.0.0.1 that answers every POST with a redirect to ``location``."""

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def listener() -> Iterator[Listener]:
    recorder = Listener()
    yield recorder
    recorder.close()


def _store_subscription(push_service, endpoint: str) -> None:
    """A resident's subscription as it may sit in the database (subscribed under other rules)."""
    keys = push_service.new_subscription()["keys"]
    resident = db.session.scalars(select(Account).where(Account.display_name == "Chị Lan")).one()
    db.session.add(
        PushSubscription(
            account_id=resident.id, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"]
        )
    )
    db.session.commit()


def _announce(world) -> None:
    response = world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân."}
    )
    assert response.status_code == 201


def _deliveries() -> list[Delivery]:
    db.session.expire_all()
    return db.session.scalars(select(Delivery)).all()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed(world, push_service, deliver, listener, status):
    service = redirecting_service(status, f"http://127.0.0.1:{listener.port}/collect")
    try:
        subscription = push_service.new_subscription()
        subscription["endpoint"] = f"http://127.0.0.1:{service.server_port}/push/abc"
        response = world["resident_a"].post("/api/v1/push/subscriptions", json=subscription)
        assert response.status_code == 201  # the tests allow 127.0.0.1 on any port
        _announce(world)
        deliver()
    finally:
        service.shutdown()
        service.server_close()
    assert listener.connections == 0
    [delivery] = _deliveries()
    assert delivery.state == "failed" and delivery.last_status == status
    assert delivery.last_error == REDIRECT


def test_an_address_not_listed_is_never_reached(
    app, world, push_service, deliver, listener, monkeypatch
):
    # The operator lists one push service (host and port); the stored endpoint names another
    # port of the same address, written as an IP literal (which no resolver is asked about).
    monkeypatch.setitem(
        app.extensions, "push_allowed_hosts", parse_allowed_hosts(f"127.0.0.1:{listener.port + 1}")
    )
    _store_subscription(push_service, f"http://127.0.0.1:{listener.port}/push/x")
    _announce(world)
    deliver()
    assert listener.connections == 0
    [delivery] = _deliveries()
    assert delivery.state == "failed" and delivery.last_error == NOT_ALLOWED


def test_with_the_default_hosts_no_address_is_reached(
    app, world, push_service, deliver, listener, monkeypatch
):
    monkeypatch.setitem(app.extensions, "push_allowed_hosts", parse_allowed_hosts(None))
    _store_subscription(push_service, f"https://127.0.0.1:{listener.port}/push/x")
    _announce(world)
    deliver()
    assert listener.connections == 0
    assert [d.last_error for d in _deliveries()] == [NOT_ALLOWED]


@pytest.mark.parametrize(
    ("rules", "endpoint"),
    [
        (None, "https://127.0.0.1/x"),
        (None, "https://[::1]/x"),
        (None, "https://10.0.0.7/x"),
        (None, "https://17.253.1.1/x"),  # public, but no push service is named by address
        ("*.0.0.1", "https://127.0.0.1/x"),  # a wildcard never admits an address
        ("*.push.apple.com", "https://[::ffff:127.0.0.1]/x"),
        ("127.0.0.1:8443", "https://127.0.0.1:9000/x"),
        ("[::1]", "https://127.0.0.1/x"),
    ],
)
def test_addresses_pass_only_when_listed(rules, endpoint):
    with pytest.raises(EndpointNotAllowed):
        check_endpoint(endpoint, parse_allowed_hosts(rules))


@pytest.mark.parametrize(
    ("rules", "endpoint"),
    [
        ("127.0.0.1", "http://127.0.0.1:5000/x"),
        ("[::1]:8443", "https://[0:0:0:0:0:0:0:1]:8443/x"),
        ("10.0.0.7", "https://10.0.0.7/push"),
    ],
)
def test_a_listed_address_passes(rules, endpoint):
    check_endpoint(endpoint, parse_allowed_hosts(rules))
