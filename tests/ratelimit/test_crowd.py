"""A crowd at the board gets in and asks; a script making members from one address does not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import Account
from app.extensions import db
from app.models_base import utcnow
from app.ratelimit.guard import budget_address
from app.ratelimit.services import hit, peek, subject_key
from tests.conftest import PASSWORD
from tests.ratelimit.conftest import behind_proxy

CROWD = 300


def _ask(client, slug: str, n: int) -> int:
    return client.post(
        f"/api/v1/communes/{slug}/threads",
        json={"kind": "question", "body": f"Câu hỏi số {n}", "visibility": "public"},
    ).status_code


def _signed_in_official(app, commune, make_staff):
    """A client signed in, through the real endpoint, as an official of ``commune``."""
    make_staff("canbo@example.vn", communes=(commune,))
    official = app.test_client()
    signed_in = official.post(
        "/api/v1/auth/login", json={"email": "canbo@example.vn", "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    return official


@pytest.mark.parametrize("shared_address", [False, True], ids=["proxy", "one-address"])
def test_a_crowd_of_300_joins_and_asks(limited_app, make_commune, shared_address):
    """Behind the TLS proxy (each resident their own address) and behind one address for all
    (the commune hall's Wi-Fi, a carrier's CGNAT): every resident gets in and asks."""
    commune = make_commune()
    joined, asked = [], []
    for n in range(CROWD):
        address = "203.0.113.7" if shared_address else f"10.{n // 250}.{n % 250}.9"
        resident = behind_proxy(limited_app, address)
        joined.append(resident.post("/api/v1/join", json={"token": commune.join_token}))
        asked.append(_ask(resident, commune.slug, n))
    assert [answer.status_code for answer in joined] == [201] * CROWD
    assert asked == [201] * CROWD


def test_a_script_making_members_from_one_address_is_refused(limited_app, make_commune):
    commune = make_commune()
    statuses = []
    while len(statuses) < 2_000:
        # A fresh browser each time, as a script that throws the cookie away.
        script = behind_proxy(limited_app, "198.51.100.66")
        answer = script.post("/api/v1/join", json={"token": commune.join_token})
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            break
    assert statuses[-1] == 429, "the script was never refused"
    assert len(statuses) <= 500  # stopped well before 2,000 in an hour
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.get_json()["error"]["code"] == "too_many_requests"
    # Meanwhile a resident behind the same proxy with their own address still joins.
    neighbour = behind_proxy(limited_app, "198.51.100.67")
    assert neighbour.post("/api/v1/join", json={"token": commune.join_token}).status_code == 201


def test_the_join_budget_comes_back_when_retry_after_says(limited_app):
    """The hour's budget is spent; at Retry-After (time injected, never slept) there is room."""
    limit = limited_app.extensions["rate_limits"]["join-ip"]
    key = subject_key(limit, "ip", budget_address("198.51.100.66"))
    start = 1_700_000_000.0 - 1_700_000_000.0 % limit.window_s
    verdicts = [hit(limit, key, now=start + n) for n in range(limit.count + 1)]
    assert all(v.allowed for v in verdicts[:-1]) and not verdicts[-1].allowed
    refused_at, wait = start + limit.count, verdicts[-1].retry_after
    assert not peek(limit, key, now=refused_at + wait - 60).allowed
    assert hit(limit, key, now=refused_at + wait).allowed


def test_two_clients_behind_the_proxy_have_separate_budgets(another_app, make_commune):
    commune = make_commune()
    limited = another_app(RATE_LIMITS={"join-ip": [2, 3600]})

    def join(address: str) -> int:
        client = behind_proxy(limited, address)
        return client.post("/api/v1/join", json={"token": commune.join_token}).status_code

    assert [join("192.0.2.10") for _ in range(3)] == [201, 201, 429]
    assert [join("192.0.2.11") for _ in range(2)] == [201, 201]
    # A peer that is not a proxy cannot pick a fresh address per request.
    statuses = []
    for n in range(3):
        direct = limited.test_client()
        direct.environ_base["REMOTE_ADDR"] = "192.0.2.12"
        answer = direct.post(
            "/api/v1/join",
            json={"token": commune.join_token},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        statuses.append(answer.status_code)
    assert statuses == [201, 201, 429]


def test_a_brand_new_member_posts_a_few_an_established_one_more(limited_app, make_commune):
    commune = make_commune()
    resident = behind_proxy(limited_app, "203.0.113.20")
    answer = resident.post("/api/v1/join", json={"token": commune.join_token})
    assert [_ask(resident, commune.slug, n) for n in range(6)] == [201] * 5 + [429]

    veteran = behind_proxy(limited_app, "203.0.113.21")
    joined = veteran.post("/api/v1/join", json={"token": commune.join_token}).get_json()
    account = db.session.get(Account, joined["member"]["id"])
    account.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert [_ask(veteran, commune.slug, n) for n in range(21)] == [201] * 20 + [429]
    assert answer.status_code == 201


def test_officials_are_not_brand_new_members(limited_app, make_commune, make_staff):
    commune = make_commune()
    official = _signed_in_official(limited_app, commune, make_staff)
    assert [_ask(official, commune.slug, n) for n in range(6)] == [201] * 6


def test_an_official_clearing_the_inbox_is_not_limited(limited_app, make_commune, make_staff):
    """The workspace posts replies through the residents' reply view, registered again without
    its limits: an official answering thirty times in a row is never refused."""
    commune = make_commune()
    official = _signed_in_official(limited_app, commune, make_staff)
    asked = official.post(
        f"/api/v1/communes/{commune.slug}/threads",
        json={"kind": "question", "body": "Câu hỏi", "visibility": "public"},
    )
    thread_id = asked.get_json()["id"]
    answers = [
        official.post(f"/w/t/{thread_id}/replies", data={"body": f"Trả lời {n}"}).status_code
        for n in range(30)
    ]
    assert answers == [303] * 30
