"""The client's address behind trusted reverse proxies (``FORWARDED_ALLOW_IPS``).

A small WSGI middleware rewrites ``REMOTE_ADDR`` and ``wsgi.url_scheme`` in place, once per
request, before Flask sees it: every limit, log line (gunicorn's access log reads the same
environ) and audit entry that reads ``request.remote_addr`` then names the resident, not the
proxy. Only a peer listed in ``FORWARDED_ALLOW_IPS`` is believed; anyone else keeps its own
address whatever headers it sends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app.config import ConfigError
from app.parsing import parse_digits

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_TRUSTED = "127.0.0.1,::1"
# A header longer than this is not from a proxy chain we know; only its tail is read.
_MAX_HEADER_CHARS = 4096


@dataclass(frozen=True)
class TrustedProxies:
    """The peers whose forwarding headers are believed."""

    networks: tuple[IPNetwork, ...]
    # ``*``: believe whichever peer connects (the operator guarantees only the proxy can).
    any_peer: bool = False

    def is_proxy(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def trusts_peer(self, peer: str) -> bool:
        if self.any_peer:
            return True
        if peer == "":
            # A UNIX socket has no peer address: only local processes can connect (gunicorn
            # trusts these unconditionally too).
            return True
        address = parse_address(peer)
        return address is not None and self.is_proxy(address)


def parse_trusted(value: object) -> TrustedProxies:
    """``"127.0.0.1,::1,10.0.0.0/8"`` (or a list of the same) -> TrustedProxies.

    Raises ConfigError naming the setting for anything that is not an address or network.
    """
    if isinstance(value, str):
        entries = [entry.strip() for entry in value.split(",")]
    elif isinstance(value, list | tuple):
        entries = [entry.strip() if isinstance(entry, str) else entry for entry in value]
    else:
        raise ConfigError(
            f"FORWARDED_ALLOW_IPS must be comma-separated addresses or networks, got {value!r}"
        )
    networks: list[IPNetwork] = []
    any_peer = False
    for entry in entries:
        if entry == "":
            continue
        if entry == "*":
            any_peer = True
            continue
        try:
            # strict: "192.168.1.1/24" is a mistake (host bits set), as gunicorn also says.
            networks.append(ipaddress.ip_network(entry, strict=True))
        except (TypeError, ValueError):
            raise ConfigError(
                f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or a CIDR network "
                "(for example 127.0.0.1,::1 or 10.0.0.0/8)"
            ) from None
    return TrustedProxies(tuple(networks), any_peer)


MAX_PORT = 65535


def parse_address(text: str) -> IPAddress | None:
    """An address from a header entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:80``,
    ``2001:db8::1``), or None for anything else (``unknown``, names, garbage)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        end = text.find("]")
        if end == -1 or (text[end + 1 :] and not _is_port(text[end + 1 :])):
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        host, port = text.split(":")
        if parse_digits(port, maximum=MAX_PORT) is None:
            return None
        text = host
    if "%" in text:  # a zone index (fe80::1%eth0) names a local interface, not a client
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_port(text: str) -> bool:
    return text.startswith(":") and parse_digits(text[1:], maximum=MAX_PORT) is not None


def client_address(peer: str, forwarded_for: str | None, trusted: TrustedProxies) -> str:
    """The right-most address in ``X-Forwarded-For`` that is not a trusted proxy.

    ``peer`` is the socket's address. An untrusted peer, or a header with no usable entry,
    leaves ``peer``. Entries that are not addresses are skipped, never an error.
    """
    if not forwarded_for or not trusted.trusts_peer(peer):
        return peer
    entries = forwarded_for[-_MAX_HEADER_CHARS:].split(",")
    leftmost: IPAddress | None = None
    for entry in reversed(entries):
        address = parse_address(entry)
        if address is None:
            continue
        if not trusted.is_proxy(address):
            return str(address)
        leftmost = address
    # Every entry was a trusted proxy (a request from inside the proxies' own network).
    return str(leftmost) if leftmost is not None else peer


def forwarded_scheme(peer: str, forwarded_proto: str | None, trusted: TrustedProxies) -> str | None:
    """``http`` or ``https`` from a trusted peer's ``X-Forwarded-Proto``, else None."""
    if not forwarded_proto or not trusted.trusts_peer(peer):
        return None
    # The proxy next to us speaks last: its value is the right-most one.
    scheme = forwarded_proto[-_MAX_HEADER_CHARS:].split(",")[-1].strip().lower()
    return scheme if scheme in ("http", "https") else None


class ClientAddressMiddleware:
    """Rewrites ``REMOTE_ADDR`` and ``wsgi.url_scheme`` from a trusted proxy's headers.

    The environ is changed in place (not copied): gunicorn's access log reads the same dict
    after the response, so it logs the client's address too.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], trusted: TrustedProxies):
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        peer = environ.get("REMOTE_ADDR") or ""
        environ["REMOTE_ADDR"] = client_address(
            peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted
        )
        scheme = forwarded_scheme(peer, environ.get("HTTP_X_FORWARDED_PROTO"), self.trusted)
        if scheme is not None:
            environ["wsgi.url_scheme"] = scheme
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Read ``FORWARDED_ALLOW_IPS`` once (ConfigError now if it is wrong) and install the
    middleware in front of everything else."""
    trusted = parse_trusted(app.config.get("FORWARDED_ALLOW_IPS", DEFAULT_TRUSTED))
    app.extensions["trusted_proxies"] = trusted
    app.wsgi_app = ClientAddressMiddleware(app.wsgi_app, trusted)  # type: ignore[method-assign]
