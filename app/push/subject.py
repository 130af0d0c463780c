"""The VAPID subject: who push services contact about this server's notifications.

Apple's push service answers ``403 BadJwtToken`` to a subject on a placeholder domain, so such
a subject stops the worker at start rather than losing every iPhone's notifications quietly.
"""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from flask import Flask

log = logging.getLogger("app.push.subject")

# Only for the local demo (plain http, no subject configured): Apple refuses it, hence the warning.
DEMO_SUBJECT = "mailto:push@localhost"
# RFC 2606 / RFC 6761 names, and the mDNS ".local": never an operator's real address.
PLACEHOLDER_SUFFIXES = (".invalid", ".local", ".test", ".example", ".localhost")
PLACEHOLDER_DOMAINS = ("localhost", "example.com", "example.org", "example.net")


class VapidSubjectError(ValueError):
    """``VAPID_SUBJECT`` (or the ``BASE_URL`` standing in for it) cannot be used."""


def subject_host(subject: str) -> str | None:
    """The domain of a ``mailto:`` address or the host of an ``https:`` URL; None if neither."""
    if subject.startswith("mailto:"):
        local, at, domain = subject[len("mailto:") :].rpartition("@")
        if not at or not local or not domain or any(c.isspace() for c in subject):
            return None
        return domain.split("?", 1)[0].lower().rstrip(".") or None
    if subject.startswith("https:"):
        try:
            host = urlsplit(subject).hostname
        except ValueError:
            return None
        return host.rstrip(".") if host else None
    return None


def is_placeholder(host: str) -> bool:
    """A reserved or example domain, or an address that is not on the internet."""
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    if host.endswith(PLACEHOLDER_SUFFIXES):
        return True
    return any(host == name or host.endswith("." + name) for name in PLACEHOLDER_DOMAINS)


def check_subject(subject: str, *, source: str = "VAPID_SUBJECT") -> str:
    """The subject if push services will accept it; else ``VapidSubjectError`` naming
    ``VAPID_SUBJECT``."""
    host = subject_host(subject)
    if host is None:
        raise VapidSubjectError(
            f"{source} must be your mailto: address or https: URL "
            f"(for example mailto:it@xa-a.gov.vn), got {subject!r}."
        )
    if is_placeholder(host):
        hint = "" if source == "VAPID_SUBJECT" else " Set VAPID_SUBJECT to one that is."
        raise VapidSubjectError(
            f"{source} {subject!r} is on a placeholder domain ({host}): Apple's push service "
            f"refuses it, so no iPhone would get a notification. VAPID_SUBJECT must be an "
            f"address or site of yours that push services can reach.{hint}"
        )
    return subject


def vapid_subject(app: Flask) -> str:
    """``VAPID_SUBJECT``; else an https ``BASE_URL``; else (the local demo) a stand-in, with a
    warning logged once."""
    configured = (app.config.get("VAPID_SUBJECT") or "").strip()
    if configured:
        return check_subject(configured)
    base_url = app.config["BASE_URL"]
    if base_url.startswith("https:"):
        return check_subject(base_url, source="BASE_URL (used because VAPID_SUBJECT is unset)")
    if not app.extensions.get("vapid_subject_warned"):
        app.extensions["vapid_subject_warned"] = True
        log.warning(
            "VAPID_SUBJECT is not set and BASE_URL is plain http: notifications are signed "
            "with %s, which Apple's push service refuses. Set VAPID_SUBJECT to your mailto: "
            "address or https: URL before residents use iPhones.",
            DEMO_SUBJECT,
        )
    return DEMO_SUBJECT
