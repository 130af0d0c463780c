"""The push service double: validation, recording, programmed failures, concurrency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app.push.encryption import SubscriberKeys, encrypt
from app.push.vapid import VapidKey, VapidSigner
from tests.push.double import PushServiceDouble

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
_local = threading.local()


def _session() -> requests.Session:
    # requests.Session is not thread-safe: one keep-alive session per thread.
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


@pytest.fixture(scope="module")
def vapid_key() -> VapidKey:
    return VapidKey.generate()


@pytest.fixture
def signer(vapid_key: VapidKey) -> VapidSigner:
    return VapidSigner(vapid_key, "mailto:ops@commune.example")


@pytest.fixture
def push() -> Iterator[PushServiceDouble]:
    with PushServiceDouble() as double:
        yield double


def send(
    subscription: dict,
    payload: bytes,
    signer: VapidSigner,
    *,
    drop: tuple[str, ...] = (),
    **headers: str,
) -> requests.Response:
    """POST a push message as the app would; ``headers`` override, ``drop`` removes."""
    keys = SubscriberKeys.from_b64(subscription["keys"]["p256dh"], subscription["keys"]["auth"])
    all_headers = {
        "Authorization": signer.authorization(subscription["endpoint"]),
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
    all_headers.update({k.replace("_", "-"): v for k, v in headers.items()})
    for name in drop:
        del all_headers[name]
    body = encrypt(payload, keys)
    return _session().post(subscription["endpoint"], data=body, headers=all_headers, timeout=10)


def test_message_arrives_decrypted(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    assert set(sub) == {"endpoint", "expirationTime", "keys"}
    assert sub["expirationTime"] is None
    assert sub["endpoint"].startswith(f"{push.origin}/push/")
    assert len(sub["keys"]["p256dh"]) == 87 and len(sub["keys"]["auth"]) == 22

    payload = json.dumps({"title": "Réponse", "url": "/q/7"}).encode()
    resp = send(sub, payload, signer, TTL="3600", Urgency="high", Topic="question-7")
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith(push.origin)

    [msg] = push.wait_for(1)
    assert msg.payload == payload
    assert msg.json == {"title": "Réponse", "url": "/q/7"}
    assert (msg.ttl, msg.urgency, msg.topic) == (3600, "high", "question-7")
    assert msg.endpoint == sub["endpoint"]
    assert sub["endpoint"].endswith(msg.subscription_id)
    assert push.messages_for(sub["endpoint"]) == [msg]
    assert push.messages_for(push.new_subscription()["endpoint"]) == []
    assert push.rejections == [] and push.request_count == 1


def test_non_json_payload_is_kept_raw(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    assert send(sub, b"\xff not json", signer).status_code == 201
    [msg] = push.messages
    assert (msg.payload, msg.json, msg.urgency, msg.topic) == (b"\xff not json", None, None, None)


def test_missing_ttl_is_rejected(push: PushServiceDouble, signer: VapidSigner) -> None:
    resp = send(push.new_subscription(), b"{}", signer, drop=("TTL",))
    assert resp.status_code == 400
    assert "TTL" in resp.text
    assert push.messages == []
    assert push.rejections == [(400, "missing TTL header")]


@pytest.mark.parametrize("ttl", ["-1", "1.5", "soon", ""])
def test_bad_ttl_is_rejected(push: PushServiceDouble, signer: VapidSigner, ttl: str) -> None:
    assert send(push.new_subscription(), b"{}", signer, TTL=ttl).status_code == 400


def test_bad_jwt_signature_is_rejected(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    good = signer.authorization(sub["endpoint"])
    token, key = good[len("vapid t=") :].split(", k=")
    head, claims, sig = token.split(".")
    forged_sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    resp = send(sub, b"{}", signer, Authorization=f"vapid t={head}.{claims}.{forged_sig}, k={key}")
    assert resp.status_code in (401, 403)
    # A valid token presented with somebody else's key fails too.
    other = VapidKey.generate().application_server_key
    resp = send(sub, b"{}", signer, Authorization=f"vapid t={token}, k={other}")
    assert resp.status_code in (401, 403)
    assert push.messages == [] and len(push.rejections) == 2


def test_wrong_aud_is_rejected(push: PushServiceDouble, vapid_key: VapidKey) -> None:
    sub = push.new_subscription()
    signer = VapidSigner(vapid_key, "mailto:ops@commune.example")
    wrong = signer.authorization("https://fcm.googleapis.com/fcm/send/x")
    resp = send(sub, b"{}", signer, Authorization=wrong)
    assert resp.status_code in (401, 403)
    assert "aud" in push.rejections[0][1]


def test_expired_jwt_is_rejected(push: PushServiceDouble, vapid_key: VapidKey) -> None:
    stale = VapidSigner(vapid_key, "mailto:a@b.example", clock=lambda: time.time() - 13 * 3600)
    assert send(push.new_subscription(), b"{}", stale).status_code == 401
    assert push.rejections == [(401, "JWT expired")]


def test_missing_or_foreign_authorization(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    assert send(sub, b"{}", signer, drop=("Authorization",)).status_code == 401
    assert send(sub, b"{}", signer, Authorization="Bearer abc").status_code == 401
    assert send(sub, b"{}", signer, Authorization="vapid t=a.b.c").status_code == 401


def test_restricted_double_checks_the_application_server_key(
    vapid_key: VapidKey, signer: VapidSigner
) -> None:
    with PushServiceDouble(vapid_public_key=vapid_key.application_server_key) as push:
        sub = push.new_subscription()
        assert send(sub, b"{}", signer).status_code == 201
        stranger = VapidSigner(VapidKey.generate(), "mailto:x@y.example")
        assert send(sub, b"{}", stranger).status_code == 403
        assert len(push.messages) == 1


def test_unknown_subscription_is_404(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    gone = dict(sub, endpoint=f"{push.origin}/push/nope")
    assert send(gone, b"{}", signer).status_code == 404
    push.unsubscribe(sub["endpoint"])
    assert send(sub, b"{}", signer).status_code == 404
    assert [status for status, _ in push.rejections] == [404, 404]


def test_content_encoding_and_body_are_checked(
    push: PushServiceDouble, signer: VapidSigner
) -> None:
    sub = push.new_subscription()
    assert send(sub, b"{}", signer, Content_Encoding="aesgcm").status_code == 415
    # Encrypted for another subscriber: cannot be decrypted with this one's keys.
    other = push.new_subscription()
    keys = SubscriberKeys.from_b64(other["keys"]["p256dh"], other["keys"]["auth"])
    resp = _session().post(
        sub["endpoint"],
        data=encrypt(b"{}", keys),
        headers={
            "Authorization": signer.authorization(sub["endpoint"]),
            "TTL": "0",
            "Content-Encoding": "aes128gcm",
        },
        timeout=10,
    )
    assert resp.status_code == 400 and "decrypt" in resp.text
    assert send(sub, b"{}", signer, Urgency="urgent").status_code == 400
    assert send(sub, b"{}", signer, Topic="x" * 33).status_code == 400
    assert push.messages == []


def test_programmed_410_then_success(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    push.respond(410, times=1)
    assert send(sub, b'{"n": 1}', signer).status_code == 410
    assert send(sub, b'{"n": 2}', signer).status_code == 201
    assert [m.json for m in push.messages] == [{"n": 2}]
    assert push.request_count == 2
    assert push.rejections == []  # programmed answers are not validation failures
    assert [status for status, _ in push.responses] == [410, 201]


def test_programmed_429_with_retry_after_per_endpoint(
    push: PushServiceDouble, signer: VapidSigner
) -> None:
    throttled, normal = push.new_subscription(), push.new_subscription()
    push.respond(429, times=2, retry_after=7, endpoint=throttled["endpoint"])
    push.respond(503, times=1)
    first = send(throttled, b"{}", signer)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert send(normal, b"{}", signer).status_code == 503  # the global rule
    assert send(throttled, b"{}", signer).status_code == 429
    assert send(throttled, b"{}", signer).status_code == 201
    assert send(normal, b"{}", signer).status_code == 201


def test_programmed_forever_until_reset(push: PushServiceDouble, signer: VapidSigner) -> None:
    sub = push.new_subscription()
    push.respond(500)
    assert [send(sub, b"{}", signer).status_code for _ in range(3)] == [500] * 3
    push.reset()
    assert push.request_count == 0
    assert send(sub, b"{}", signer).status_code == 201  # subscriptions survive reset()


def test_respond_rejects_non_error_statuses(push: PushServiceDouble) -> None:
    with pytest.raises(ValueError):
        push.respond(201)
    with pytest.raises(ValueError):
        push.respond(500, times=0)


def test_delay_slows_answers_without_serialising_them(
    push: PushServiceDouble, signer: VapidSigner
) -> None:
    subs = [push.new_subscription() for _ in range(10)]
    for sub in subs:  # sign and warm up connections outside the timed part
        send(sub, b"{}", signer)
    push.reset()
    push.delay(0.3)
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda s: send(s, b"{}", signer).status_code, subs))
    elapsed = time.monotonic() - started
    assert statuses == [201] * 10
    assert 0.3 <= elapsed < 1.5  # ten 0.3 s requests in parallel, not 3 s in a row


def test_concurrent_sends_are_all_recorded_once(
    push: PushServiceDouble, signer: VapidSigner
) -> None:
    subs = [push.new_subscription() for _ in range(20)]

    def one(i: int) -> int:
        return send(subs[i % 20], json.dumps({"i": i}).encode(), signer).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(200)))
    assert statuses == [201] * 200
    messages = push.wait_for(200)
    assert sorted(m.json["i"] for m in messages) == list(range(200))
    assert push.request_count == 200
    for i, sub in enumerate(subs):
        assert {m.json["i"] % 20 for m in push.messages_for(sub["endpoint"])} == {i}


def test_wait_for_times_out(push: PushServiceDouble) -> None:
    with pytest.raises(TimeoutError, match="0 of 1"):
        push.wait_for(1, timeout=0.05)


def test_stop_releases_the_port(signer: VapidSigner) -> None:
    push = PushServiceDouble().start()
    sub = push.new_subscription()
    assert send(sub, b"{}", signer).status_code == 201
    push.stop()
    push.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.post(sub["endpoint"], data=b"", timeout=2)


def test_runs_as_a_standalone_process(signer: VapidSigner) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.push.double", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert proc.stdout is not None
        origin = proc.stdout.readline().strip()
        assert origin.startswith("http://127.0.0.1:")
        sub = requests.post(f"{origin}/_double/subscriptions", timeout=5).json()
        assert send(sub, b'{"hello": 1}', signer).status_code == 201
        assert requests.get(f"{origin}/_double/stats", timeout=5).json() == {
            "request_count": 1,
            "accepted": 1,
            "rejected": 0,
            "distinct": 1,
            "duplicates": 0,
        }
        [msg] = requests.get(f"{origin}/_double/messages", timeout=5).json()
        assert msg["endpoint"] == sub["endpoint"]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "accepted=1" in err


def test_stop_does_not_hang_on_delayed_requests(signer: VapidSigner) -> None:
    push = PushServiceDouble().start()
    sub = push.new_subscription()
    push.delay(30)
    outcome: list[object] = []

    def client() -> None:
        try:
            outcome.append(send(sub, b"{}", signer).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    deadline = time.monotonic() + 5
    while push.request_count == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    push.stop()
    assert time.monotonic() - started < 5
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)
    assert push.messages == []


def test_subscriptions_made_in_bulk_share_key_pairs_and_each_message_is_decrypted(push, signer):
    subscriptions = push.new_subscriptions(5, key_pairs=2)
    assert len({sub["endpoint"] for sub in subscriptions}) == 5
    assert len({sub["keys"]["p256dh"] for sub in subscriptions}) == 2
    assert len({sub["keys"]["auth"] for sub in subscriptions}) == 5
    for number, subscription in enumerate(subscriptions):
        assert send(subscription, f"tin {number}".encode(), signer, Topic="a1").status_code == 201
    assert [message.payload for message in push.messages] == [
        f"tin {number}".encode() for number in range(5)
    ]
    # A message sealed for another subscription's auth secret is refused, key pair shared or not.
    crossed = {**subscriptions[2], "keys": {**subscriptions[0]["keys"]}}
    assert send(crossed, b"sai", signer, Topic="a1").status_code == 400


def test_stats_count_a_second_message_of_a_topic_as_a_duplicate(push, signer):
    [first, second] = push.new_subscriptions(2)
    for subscription, topic in ((first, "a1"), (second, "a1"), (first, "a2"), (first, "a1")):
        assert send(subscription, b"tin", signer, Topic=topic).status_code == 201
    stats = requests.get(f"{push.origin}/_double/stats", timeout=10).json()
    assert (stats["accepted"], stats["distinct"], stats["duplicates"]) == (4, 3, 1)
    made = requests.post(f"{push.origin}/_double/subscriptions?count=3", timeout=10).json()
    assert len(made) == 3
