"""E-mail through the operator's own SMTP server (``SMTP_URL``, ``MAIL_FROM``).

Only staff get mail, and only when an admin asks for it (a forgotten password's link), so a
message goes out from the request that asked, after its commit, and the page says whether it
left. Without ``SMTP_URL`` nothing is mailed and admins hand links over themselves.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
# A slow mail server must not hold a web worker for long: the page then shows the link.
TIMEOUT_S = 10
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def mail_configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SMTP_URL"))


def send_mail(config: Mapping[str, Any], to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; False (and a log line without the body, which may hold a
    link that opens an account) when the server cannot be reached or refuses it."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(config["MAIL_FROM"])[1].rsplit("@", 1)[-1])
    message.set_content(body)
    parts = urlsplit(config["SMTP_URL"])
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
        with client:
            if parts.scheme == "smtp":
                client.ehlo()
                # STARTTLS always, except with a relay on this machine that offers none
                # (a local Postfix): nothing crosses the network there.
                if client.has_extn("starttls") or host not in LOOPBACK:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail not sent through %s: %s", host, type(error).__name__)
        return False
    return True
