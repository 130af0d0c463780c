"""Which push services the server may call: a guard against being used to reach anything else."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult

# The real push services of Chrome/Android (FCM), Firefox (Mozilla), Safari/iOS (Apple) and
# Edge (Microsoft). A leading "*." admits subdomains: Apple and Microsoft shard by host name.
DEFAULT_ALLOWED_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.services.mozilla.com",
    "web.push.apple.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)


class EndpointNotAllowed(ValueError):
    """The endpoint is not a push service this server is configured to call."""


@dataclass(frozen=True)
class HostRule:
    host: str  # lower-case; "*.example.com" admits any subdomain
    port: int | None  # None: any port
    explicit: bool  # listed by the operator (then plain http is allowed too)

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        address = ip_literal(host)
        if address is not None:
            # An address is admitted only by a rule naming that very address.
            return ip_literal(self.host) == address
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when ``host`` is written as one (``10.0.0.1``, ``::1``), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def parse_allowed_hosts(value: str | Iterable[str] | None) -> tuple[HostRule, ...]:
    """``PUSH_ALLOWED_HOSTS`` ("host" or "host:port", comma-separated) into rules."""
    if value is None or value == "":
        return tuple(HostRule(host, None, explicit=False) for host in DEFAULT_ALLOWED_HOSTS)
    items = value.split(",") if isinstance(value, str) else list(value)
    rules = []
    for item in (raw.strip().lower() for raw in items):
        if not item:
            continue
        host, port = item, None
        if item.startswith("["):  # [::1]:8443
            host, _, rest = item[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else None
        elif item.count(":") == 1:
            host, port_text = item.split(":")
            port = int(port_text)
        rules.append(HostRule(host, port, explicit=True))
    return tuple(rules)


def check_endpoint(endpoint: str, rules: tuple[HostRule, ...]) -> None:
    """Refuse (``EndpointNotAllowed``) anything but https, or listed http, to an allowed host.

    The worker checks every endpoint again before it sends, because a host written as an
    address (``https://10.0.0.7/``) is connected to without asking the resolver, whose guard
    would never see it. Such a host passes only if the operator listed that very address: no
    name rule, not even a wildcard, admits an address.
    """
    if len(endpoint) > 2048:
        raise EndpointNotAllowed("the endpoint is too long")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EndpointNotAllowed("the endpoint must be an https URL")
    if parts.username or parts.password:
        raise EndpointNotAllowed("the endpoint must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EndpointNotAllowed("the endpoint has an invalid port") from None
    host = parts.hostname.lower().rstrip(".")
    for rule in rules:
        if rule.matches(host, port):
            if parts.scheme == "http" and not rule.explicit:
                break
            return
    raise EndpointNotAllowed(f"{host} is not an allowed push service")


class NonPublicAddress(OSError):
    """A push service host resolved only to loopback, private or link-local addresses."""


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return ip.is_global and not ip.is_multicast


class GuardedResolver(AbstractResolver):
    """DNS for the push worker: a push service name that resolves to a loopback, private or
    link-local address is refused (DNS rebinding, a poisoned resolver), unless the operator
    listed that host explicitly in PUSH_ALLOWED_HOSTS. The addresses checked are the ones
    connected to, so there is no gap between the check and the use."""

    def __init__(self, rules: tuple[HostRule, ...], inner: AbstractResolver | None = None) -> None:
        self.rules = rules
        self.inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        name = host.lower().rstrip(".")
        if any(rule.explicit and rule.matches(name, port) for rule in self.rules):
            return results
        public = [result for result in results if is_public_address(result["host"])]
        if not public:
            raise NonPublicAddress(f"{host} resolves only to non-public addresses")
        return public

    async def close(self) -> None:
        await self.inner.close()
