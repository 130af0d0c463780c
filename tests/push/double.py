"""A Web Push service test double (RFC 8030 + RFC 8291 + RFC 8292).

It is a real HTTP/1.1 keep-alive server (aiohttp on its own event loop in a
background thread) that hands out browser-like subscriptions, checks every push
request the way a strict push service would, decrypts the payload with the
subscriber's private key and records it.

    with PushServiceDouble() as push:
        sub = push.new_subscription()
        ...  # the code under test POSTs to sub["endpoint"]
        [msg] = push.wait_for(1)

aiohttp rather than ``ThreadingHTTPServer``: measured with real push traffic
(decryption included) it sustains ~4,000 requests/s on one core at 16-256
concurrent connections, whereas the thread-per-connection server falls from
~3,900 to ~1,900 requests/s as connections grow (GIL contention).

The JWT verification below is written independently of ``app.push.vapid`` on
purpose, so a bug there cannot hide itself.

Run standalone for benchmarks: ``python -m tests.push.double --port 0`` prints
the origin on the first line, then serves until interrupted. A small control API
(``POST /_double/subscriptions``, ``GET /_double/stats``,
``GET /_double/messages``) stands in for the in-process helpers.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import re
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from app.push.encryption import decrypt

__all__ = ["PushServiceDouble", "ReceivedMessage"]

MAX_BODY_SIZE = 4096  # RFC 8291 section 4: what every push service must accept
_MAX_REQUEST_SIZE = 64 * 1024  # beyond this the double does not even read the body
_PUSH_PATH_RE = re.compile(r"/push/([^/]+)")
MAX_JWT_LIFETIME_S = 24 * 3600
_URGENCIES = frozenset({"very-low", "low", "normal", "high"})
_TOPIC_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 section 5.4
_TTL_RE = re.compile(r"[0-9]+")
_AUTH_PARAM_RE = re.compile(r"\s*([A-Za-z]+)\s*=\s*([^,\s]+)\s*")
_ES256 = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class ReceivedMessage:
    """A push message the double accepted (answered 201)."""

    subscription_id: str
    endpoint: str
    payload: bytes
    json: Any
    ttl: int
    urgency: str | None
    topic: str | None
    received_at: float
    subject: str | None = None  # the VAPID JWT's ``sub``: whom the push service would contact


@dataclass
class _Subscription:
    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes


@dataclass
class _Rule:
    status: int
    remaining: int | None  # None: forever
    retry_after: int | str | None
    endpoint: str | None


class _Reject(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Headers(Protocol):
    """Case-insensitive header lookup, as aiohttp's ``CIMultiDictProxy`` provides."""

    def get(self, name: str, default: None = None) -> str | None: ...


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, text: str, **headers: str) -> _Answer:
        return cls(status, text.encode(), headers=headers)

    @classmethod
    def json(cls, data: Any) -> _Answer:
        return cls(200, json.dumps(data).encode(), "application/json")


def _b64url_decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class _State:
    """Everything shared between the test thread and the server thread (guarded by lock)."""

    lock: threading.Condition = field(default_factory=threading.Condition)
    subscriptions: dict[str, _Subscription] = field(default_factory=dict)
    messages: list[ReceivedMessage] = field(default_factory=list)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    request_count: int = 0
    delay_s: float = 0.0
    # (endpoint, topic) of every accepted message, and how many came again: kept as they come
    # so that polling the stats of 100,000 messages costs nothing.
    delivered: set[tuple[str, str | None]] = field(default_factory=set)
    duplicates: int = 0


class PushServiceDouble:
    """An in-process push service on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        vapid_public_key: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._host = host
        self._port = port
        self._vapid_public_key = vapid_public_key
        self._clock = clock
        self._state = _State()
        # (t, k) -> claims, for tokens whose signature already verified. The app
        # reuses one token per origin for hours, so this keeps the double's cost per
        # request down to the decryption. Claims are still re-checked every time.
        self._verified: dict[tuple[str, str], dict[str, Any]] = {}
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.origin = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> PushServiceDouble:
        """Bind a port and serve in a background thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("already started")
        # Bind here, not in the loop thread, so the origin is known before returning.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.listen(1024)
        self._sock = sock
        self.origin = f"http://{self._host}:{sock.getsockname()[1]}"

        loop = asyncio.new_event_loop()
        self._loop = loop
        outcome: list[BaseException | None] = []
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
                outcome.append(None)
            except BaseException as exc:  # handed to start()'s caller below
                outcome.append(exc)
                return
            finally:
                started.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="push-double", daemon=True)
        self._thread.start()
        started.wait(10)
        if not outcome or outcome[0] is not None:
            self.stop()
            reason = outcome[0] if outcome else "timeout"
            raise RuntimeError(f"push double failed to start: {reason}")
        return self

    async def _serve(self) -> None:
        app = web.Application(client_max_size=_MAX_REQUEST_SIZE)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A short shutdown_timeout: stop() must not hang on requests parked in delay().
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.25)
        await runner.setup()
        assert self._sock is not None
        await web.SockSite(runner, self._sock).start()
        self._runner = runner

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            if self._runner is not None:
                asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(10)
            # Finish async generators inside the loop's own thread: the calling thread may
            # be running an event loop of its own (Playwright's, in browser test runs).
            asyncio.run_coroutine_threadsafe(loop.shutdown_asyncgens(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        if loop is not None and not loop.is_running():
            loop.close()
        if self._sock is not None:
            self._sock.close()
        self._loop = self._thread = self._runner = self._sock = None

    def __enter__(self) -> PushServiceDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test API

    def new_subscription(self) -> dict[str, Any]:
        """Subscribe like a browser; returns ``PushSubscription.toJSON()``'s shape."""
        if not self.origin:
            raise RuntimeError("start the double first")
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = secrets.token_bytes(16)
        sub_id = secrets.token_urlsafe(16)
        endpoint = f"{self.origin}/push/{sub_id}"
        with self._state.lock:
            self._state.subscriptions[sub_id] = _Subscription(
                sub_id, endpoint, private_key, auth_secret
            )
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": _b64url_encode(point), "auth": _b64url_encode(auth_secret)},
        }

    def new_subscriptions(self, count: int, *, key_pairs: int = 8) -> list[dict[str, Any]]:
        """``count`` subscriptions at once for benchmarks, sharing ``key_pairs`` browser key
        pairs (each has its own endpoint and auth secret; every message is still decrypted)."""
        if not self.origin:
            raise RuntimeError("start the double first")
        keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(max(1, key_pairs))]
        points = [
            _b64url_encode(
                key.public_key().public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                )
            )
            for key in keys
        ]
        made = []
        subscriptions = {}
        for number in range(count):
            auth_secret = secrets.token_bytes(16)
            sub_id = secrets.token_urlsafe(16)
            endpoint = f"{self.origin}/push/{sub_id}"
            key = keys[number % len(keys)]
            subscriptions[sub_id] = _Subscription(sub_id, endpoint, key, auth_secret)
            made.append(
                {
                    "endpoint": endpoint,
                    "expirationTime": None,
                    "keys": {
                        "p256dh": points[number % len(keys)],
                        "auth": _b64url_encode(auth_secret),
                    },
                }
            )
        with self._state.lock:
            self._state.subscriptions.update(subscriptions)
        return made

    def unsubscribe(self, endpoint: str) -> None:
        """Forget a subscription, as when the user revokes permission (then 404)."""
        with self._state.lock:
            self._state.subscriptions.pop(endpoint.rsplit("/", 1)[-1], None)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """All accepted messages in arrival order (a copy)."""
        with self._state.lock:
            return list(self._state.messages)

    def messages_for(self, endpoint: str) -> list[ReceivedMessage]:
        """Accepted messages for one subscription endpoint."""
        with self._state.lock:
            return [m for m in self._state.messages if m.endpoint == endpoint]

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages were accepted; return them all."""
        deadline = time.monotonic() + timeout
        state = self._state
        with state.lock:
            while len(state.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"push double got {len(state.messages)} of {count} messages in "
                        f"{timeout}s; last rejections: {state.rejections[-3:]}"
                    )
                state.lock.wait(remaining)
            return list(state.messages)

    @property
    def rejections(self) -> list[tuple[int, str]]:
        """(status, reason) for each request that failed validation (not programmed errors)."""
        with self._state.lock:
            return list(self._state.rejections)

    @property
    def responses(self) -> list[tuple[int, str]]:
        """(status, endpoint) for every push request, in the order they were answered."""
        with self._state.lock:
            return list(self._state.responses)

    @property
    def request_count(self) -> int:
        """Push requests received, whatever the answer."""
        with self._state.lock:
            return self._state.request_count

    def respond(
        self,
        status: int,
        *,
        times: int | None = None,
        retry_after: int | str | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Answer ``status`` to the next ``times`` valid requests (None: until reset).

        Rules for one ``endpoint`` take precedence over global ones; among equals the
        earliest programmed rule is used until exhausted.
        """
        if not 400 <= status <= 599:
            raise ValueError("respond() programs error statuses (4xx/5xx) only")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        with self._state.lock:
            self._state.rules.append(_Rule(status, times, retry_after, endpoint))

    def delay(self, seconds: float) -> None:
        """Hold every answer for ``seconds`` (without blocking other requests)."""
        if seconds < 0:
            raise ValueError("delay must be >= 0")
        with self._state.lock:
            self._state.delay_s = seconds

    def reset(self) -> None:
        """Drop recorded traffic, programmed responses and delay; keep subscriptions."""
        with self._state.lock:
            self._state.messages.clear()
            self._state.rejections.clear()
            self._state.responses.clear()
            self._state.rules.clear()
            self._state.request_count = 0
            self._state.delay_s = 0.0
            self._state.delivered.clear()
            self._state.duplicates = 0

    # ------------------------------------------------------------------ request handling

    async def _handle(self, request: web.Request) -> web.Response:
        """aiohttp entry point: route, apply the delay, convert the answer."""
        body = await request.read()
        match = _PUSH_PATH_RE.fullmatch(request.path)
        if match is None:
            answer = self._control(request.method, request.path, request.query)
        elif request.method != "POST":
            answer = _Answer.text(405, "push messages are POSTed")
        else:
            with self._state.lock:
                self._state.request_count += 1
                delay_s = self._state.delay_s
            if delay_s:
                await asyncio.sleep(delay_s)  # parks this request only
            answer = self._handle_push(match.group(1), request.headers, body)
        headers = dict(answer.headers)
        if answer.body:
            headers["Content-Type"] = answer.content_type
        return web.Response(status=answer.status, body=answer.body, headers=headers)

    def _control(self, method: str, path: str, query: Mapping[str, str]) -> _Answer:
        """The small HTTP API that stands in for the Python helpers out of process."""
        if path == "/_double/subscriptions" and method == "POST":
            if "count" in query:
                return _Answer.json(self.new_subscriptions(int(query["count"])))
            return _Answer.json(self.new_subscription())
        if path == "/_double/stats" and method == "GET":
            with self._state.lock:
                return _Answer.json(
                    {
                        "request_count": self._state.request_count,
                        "accepted": len(self._state.messages),
                        "rejected": len(self._state.rejections),
                        # (subscription, topic) pairs that got a message, and messages beyond
                        # the first of each pair: one announcement is one topic.
                        "distinct": len(self._state.delivered),
                        "duplicates": self._state.duplicates,
                    }
                )
        if path == "/_double/messages" and method == "GET":
            return _Answer.json([_message_json(m) for m in self.messages])
        return _Answer.text(404, "not found")

    def _handle_push(self, sub_id: str, headers: _Headers, body: bytes) -> _Answer:
        """Validate, apply programmed behaviour, record; counting and delay done by caller."""
        state = self._state
        endpoint = f"{self.origin}/push/{sub_id}"
        try:
            sub, ttl, urgency, topic, payload, subject = self._validate(sub_id, headers, body)
        except _Reject as rej:
            with state.lock:
                state.rejections.append((rej.status, rej.reason))
                state.responses.append((rej.status, endpoint))
            return _Answer.text(rej.status, rej.reason)

        with state.lock:
            rule = self._take_rule(endpoint)
            if rule is not None:
                state.responses.append((rule.status, endpoint))
            else:
                state.messages.append(
                    ReceivedMessage(
                        subscription_id=sub.id,
                        endpoint=sub.endpoint,
                        payload=payload,
                        json=_parse_json(payload),
                        ttl=ttl,
                        urgency=urgency,
                        topic=topic,
                        received_at=self._clock(),
                        subject=subject,
                    )
                )
                state.responses.append((201, endpoint))
                if (sub.endpoint, topic) in state.delivered:
                    state.duplicates += 1
                else:
                    state.delivered.add((sub.endpoint, topic))
                state.lock.notify_all()
        if rule is not None:
            extra = {} if rule.retry_after is None else {"Retry-After": str(rule.retry_after)}
            return _Answer.text(rule.status, f"programmed {rule.status}", **extra)
        location = f"{self.origin}/message/{secrets.token_urlsafe(12)}"
        return _Answer(201, headers={"Location": location, "TTL": str(ttl)})

    def _take_rule(self, endpoint: str) -> _Rule | None:
        """Pick and consume the matching programmed response (lock held by caller)."""
        rules = self._state.rules
        match = next((r for r in rules if r.endpoint == endpoint), None)
        if match is None:
            match = next((r for r in rules if r.endpoint is None), None)
        if match is not None and match.remaining is not None:
            match.remaining -= 1
            if match.remaining == 0:
                rules.remove(match)
        return match

    def _validate(
        self, sub_id: str, headers: _Headers, body: bytes
    ) -> tuple[_Subscription, int, str | None, str | None, bytes, str]:
        with self._state.lock:
            sub = self._state.subscriptions.get(sub_id)
        if sub is None:
            raise _Reject(404, "no such subscription")

        key_b64, subject = self._check_vapid(headers.get("Authorization"))
        if self._vapid_public_key is not None and key_b64 != self._vapid_public_key:
            raise _Reject(403, "VAPID key does not match the subscription's applicationServerKey")

        ttl_text = headers.get("TTL")
        if ttl_text is None:
            raise _Reject(400, "missing TTL header")
        if not _TTL_RE.fullmatch(ttl_text.strip()):
            raise _Reject(400, f"TTL must be a non-negative integer, got {ttl_text!r}")
        ttl = int(ttl_text)

        urgency = headers.get("Urgency")
        if urgency is not None and urgency not in _URGENCIES:
            raise _Reject(400, f"invalid Urgency {urgency!r}")
        topic = headers.get("Topic")
        if topic is not None and not _TOPIC_RE.fullmatch(topic):
            raise _Reject(400, "Topic must be 1-32 base64url characters")

        encoding = headers.get("Content-Encoding")
        if encoding is None or encoding.strip().lower() != "aes128gcm":
            raise _Reject(415, f"Content-Encoding must be aes128gcm, got {encoding!r}")
        if len(body) > MAX_BODY_SIZE:
            raise _Reject(413, f"body of {len(body)} bytes exceeds {MAX_BODY_SIZE}")
        try:
            payload = decrypt(body, sub.private_key, sub.auth_secret)
        except ValueError as exc:
            raise _Reject(400, f"cannot decrypt: {exc}") from None
        return sub, ttl, urgency, topic, payload, subject

    def _check_vapid(self, header: str | None) -> tuple[str, str]:
        """Validate ``Authorization: vapid t=..., k=...``; return ``k`` and the subject."""
        if header is None:
            raise _Reject(401, "missing Authorization header")
        scheme, _, params_text = header.strip().partition(" ")
        if scheme.lower() != "vapid":
            raise _Reject(401, f"Authorization scheme must be vapid, got {scheme!r}")
        params: dict[str, str] = {}
        for part in params_text.split(","):
            m = _AUTH_PARAM_RE.fullmatch(part)
            if m is None:
                raise _Reject(401, "malformed vapid Authorization parameters")
            params[m.group(1).lower()] = m.group(2)
        token, key_b64 = params.get("t"), params.get("k")
        if not token or not key_b64:
            raise _Reject(401, "vapid Authorization needs both t= and k=")

        claims = self._verified.get((token, key_b64))
        if claims is None:
            claims = self._verify_jwt(token, key_b64)
            if len(self._verified) > 1024:
                self._verified.clear()
            self._verified[(token, key_b64)] = claims

        if claims.get("aud") != self.origin:
            raise _Reject(401, f"JWT aud {claims.get('aud')!r} is not {self.origin!r}")
        exp = claims.get("exp")
        now = self._clock()
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise _Reject(401, "JWT exp must be an integer")
        if exp <= now:
            raise _Reject(401, "JWT expired")
        if exp > now + MAX_JWT_LIFETIME_S:
            raise _Reject(401, "JWT exp is more than 24 hours ahead")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
            raise _Reject(401, "JWT sub must be a mailto: or https: URI")
        return key_b64, sub

    @staticmethod
    def _verify_jwt(token: str, key_b64: str) -> dict[str, Any]:
        """Check structure and ES256 signature; return the claims."""
        try:
            point = _b64url_decode(key_b64)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        except ValueError:
            raise _Reject(401, "k is not a base64url P-256 public key") from None
        segments = token.split(".")
        if len(segments) != 3:
            raise _Reject(401, "JWT must have three segments")
        try:
            header = json.loads(_b64url_decode(segments[0]))
            claims = json.loads(_b64url_decode(segments[1]))
            signature = _b64url_decode(segments[2])
        except (ValueError, binascii.Error):
            raise _Reject(401, "JWT segments are not base64url JSON") from None
        if not isinstance(header, dict) or header.get("alg") != "ES256":
            raise _Reject(401, "JWT alg must be ES256")
        if header.get("typ", "JWT") != "JWT":
            raise _Reject(401, "JWT typ must be JWT")
        if not isinstance(claims, dict):
            raise _Reject(401, "JWT claims must be an object")
        if len(signature) != 64:
            raise _Reject(401, "ES256 signature must be 64 raw bytes (r || s), not DER")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            public_key.verify(der, f"{segments[0]}.{segments[1]}".encode("ascii"), _ES256)
        except InvalidSignature:
            raise _Reject(401, "JWT signature does not verify with k") from None
        return claims


def _message_json(m: ReceivedMessage) -> dict[str, Any]:
    return {
        "endpoint": m.endpoint,
        "payload": _b64url_encode(m.payload),
        "ttl": m.ttl,
        "urgency": m.urgency,
        "topic": m.topic,
        "received_at": m.received_at,
    }


def _parse_json(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:  # includes UnicodeDecodeError
        return None


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT/SIGTERM; print the origin first so a parent can read it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--vapid-public-key", default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to hold each answer")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with PushServiceDouble(
        host=args.host, port=args.port, vapid_public_key=args.vapid_public_key
    ) as push:
        push.delay(args.delay)
        print(push.origin, flush=True)
        while not stop.wait(0.5):
            pass
        requests, accepted, rejected = (
            push.request_count,
            len(push.messages),
            len(push.rejections),
        )
    print(f"requests={requests} accepted={accepted} rejected={rejected}", file=sys.stderr)


if __name__ == "__main__":
    main()
