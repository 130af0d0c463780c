"""The worker never calls a push service name that resolves to a private address."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp.abc import AbstractResolver

from app.push.endpoints import (
    GuardedResolver,
    NonPublicAddress,
    is_public_address,
    parse_allowed_hosts,
)


class FakeDNS(AbstractResolver):
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": family,
                "proto": 0,
                "flags": 0,
            }
            for address in self.answers[host]
        ]

    async def close(self) -> None:
        return None


def resolve(resolver: GuardedResolver, host: str) -> list[str]:
    return [r["host"] for r in asyncio.run(resolver.resolve(host, 443))]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("142.250.4.95", True),
        ("2607:f8b0:4004:c07::5f", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("0.0.0.0", False),
    ],
)
def test_public_addresses(address, public):
    assert is_public_address(address) is public


def test_a_push_service_name_pointing_inside_is_refused():
    dns = FakeDNS(
        {
            "fcm.googleapis.com": ["142.250.4.95"],
            "updates.push.services.mozilla.com": ["10.0.0.7"],
            "web.push.apple.com": ["17.1.1.1", "127.0.0.1"],
        }
    )
    resolver = GuardedResolver(parse_allowed_hosts(None), dns)
    assert resolve(resolver, "fcm.googleapis.com") == ["142.250.4.95"]
    # Mixed answers: only the public address is ever connected to.
    assert resolve(resolver, "web.push.apple.com") == ["17.1.1.1"]
    with pytest.raises(NonPublicAddress):
        resolve(resolver, "updates.push.services.mozilla.com")


def test_hosts_listed_by_the_operator_may_be_private():
    dns = FakeDNS({"push.lan": ["192.168.1.20"], "127.0.0.1": ["127.0.0.1"]})
    resolver = GuardedResolver(parse_allowed_hosts("push.lan, 127.0.0.1"), dns)
    assert resolve(resolver, "push.lan") == ["192.168.1.20"]


def test_the_worker_fails_such_a_delivery_without_retrying():
    from datetime import timedelta

    from app.models_base import utcnow
    from app.push.jobs import Job, Outcome
    from app.push.sender import NON_PUBLIC, decide

    job = Job(
        1, 1, "https://x", "k", "a", "{}", "t1", "high", utcnow() + timedelta(days=1), 0, False
    )
    decision = decide(
        Outcome(error=NON_PUBLIC), job, now=utcnow(), service_accepts_others=True, jitter=0.5
    )
    assert decision.state == "failed"
