"""Trusted devices: a browser where an account signed in fully has its own sign-in budget.

After a complete sign-in (password and, when on, the second factor) the browser gets a signed
cookie naming the account (as a keyed hash) and a random device id. A later sign-in to that
account from that browser counts only against the device's budget, never the account-wide or
per-address ones, so a stranger's wrong passwords cannot keep the official out of their own
phone or office computer. The cookie signs no one in: without the password it is worth nothing.
The account is named together with its session key, so a password change or "sign out
everywhere" (which replace the key) also ends the trust of every device.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts.models import Account
from app.extensions import db

COOKIE_NAME = "cf_device"
MAX_AGE_S = 365 * 86_400
# A shared office computer may be trusted by a few officials' accounts at once.
MAX_ACCOUNTS = 5
_SALT = "commune-feedback trusted device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def account_tag(email: str) -> str | None:
    """The account as the cookie names it: keyed, so the cookie does not reveal the email, and
    bound to the account's current session key; None when there is no such account."""
    normalised = email.strip().lower()
    session_key = db.session.scalar(select(Account.session_key).where(Account.email == normalised))
    if session_key is None:
        return None
    key = (current_app.secret_key or "").encode()
    message = f"{normalised}\n{session_key}".encode("utf-8", "replace")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _read_cookie() -> dict | None:
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = _serializer().loads(raw, max_age=MAX_AGE_S)
    except BadSignature:  # also an expired one
        return None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("d"), str)
        or not isinstance(payload.get("a"), list)
    ):
        return None
    return payload


def trusted_device(email: str) -> str | None:
    """This browser's device id when it is trusted by the account ``email``, else None."""
    payload = _read_cookie()
    if payload is None:  # most sign-ins: no lookup at all
        return None
    tag = account_tag(email)
    if tag is None or tag not in payload["a"]:
        return None
    return payload["d"]


def trust_this_device(email: str | None) -> None:
    """Mark the response to this request to make the browser a trusted device of ``email``
    (call after a complete sign-in)."""
    if email:
        g.trust_device_email = email


def _set_cookie(response: Response) -> Response:
    email = g.pop("trust_device_email", None)
    if email is None:
        return response
    tag = account_tag(email)
    if tag is None:
        return response
    payload = _read_cookie() or {"d": secrets.token_urlsafe(16), "a": []}
    others = [other for other in payload["a"] if other != tag]
    accounts = [tag, *others[: MAX_ACCOUNTS - 1]]
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps({"d": payload["d"], "a": accounts}),
        max_age=MAX_AGE_S,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_cookie)
