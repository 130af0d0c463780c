"""Which requests are limited, by whom: applied before the view runs.

Each view declares its kind with ``@limited(...)`` (declare.py); this decides what a kind
counts. The numbers live in app/ratelimit/limits.py and docs/limits.md says why they are what
they are. Every address here is the client's, as app/client_address.py resolved it behind the
proxies.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import timedelta

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from app.accounts.models import Account
from app.accounts.sessions import current_account, pending_login
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.ratelimit import devices
from app.ratelimit.declare import declared_kind
from app.ratelimit.limits import NEW_MEMBER_SECONDS, configured_limits
from app.ratelimit.services import Limit, hit, peek, subject_key

Check = tuple[Limit, str]


def budget_address(address: str | None) -> str:
    """The address a budget is kept for: IPv6 by its /64, which one household or phone gets
    whole (one person could otherwise use a fresh address per attempt)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _limits() -> dict[str, Limit]:
    return current_app.extensions["rate_limits"]


def _check(name: str, kind: str, value: str) -> Check:
    limit = _limits()[name]
    return limit, subject_key(limit, kind, value)


def _json_object() -> dict:
    """The request's JSON object, or {} for anything else (the view answers a bad body;
    nothing read here may fail the request)."""
    limit = current_app.config["MAX_JSON_BYTES"]
    if not request.is_json or (request.content_length or 0) > limit:
        return {}
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _email_in_request() -> str | None:
    value = _json_object().get("email") if request.is_json else request.form.get("email")
    return value.strip().lower() if isinstance(value, str) else None


def _sign_in_checks(email: str, address: str, *, code_step: bool) -> list[Check]:
    """A trusted device of the account: its own budget only. Anyone else: per account and
    address first (so one address's guesses stop there and spend nothing else), then per
    address over all accounts, then per account over all addresses."""
    device = devices.trusted_device(email)
    if device is not None:
        return [_check("login-device", "device", f"{device}\n{email}")]
    if code_step:
        return [_check("login-code", "email", email)]
    return [
        _check("login-pair", "pair", f"{email}\n{address}"),
        _check("login-ip", "ip", address),
        _check("login-account", "email", email),
    ]


def _is_new_resident(account: Account) -> bool:
    if account.is_staff:
        return False  # officials answer from their first day
    age = utcnow() - as_utc(account.created_at)
    return age < timedelta(seconds=NEW_MEMBER_SECONDS)


def _post_checks(address: str) -> list[Check]:
    checks = [_check("post-ip", "ip", address)]
    account = current_account()
    if account is None:
        return checks  # the view answers 401
    if _is_new_resident(account):
        checks.append(_check("post-new-ip", "ip", address))
        checks.append(_check("post-new-member", "account", str(account.id)))
    checks.append(_check("post-member", "account", str(account.id)))
    return checks


def _declared_kind() -> str | None:
    """The kind of limits the view this request was routed to declared, if any."""
    return declared_kind(current_app.view_functions.get(request.endpoint or ""))


def _limits_for_request() -> list[Check]:
    kind = _declared_kind()
    address = budget_address(request.remote_addr)
    if kind == "password":
        email = _email_in_request()
        if not email:
            return [_check("login-ip", "ip", address)]
        return _sign_in_checks(email, address, code_step=False)
    if kind == "sign-in-code":
        # Only the account that passed the password counts: an email in the form here must
        # not move the guesses onto another account's budget.
        pending = pending_login()
        if pending is None or not pending[0].email:
            return []  # the view sends the browser back to the password step
        return _sign_in_checks(pending[0].email, address, code_step=True)
    if kind == "code":
        account = current_account()
        if account is not None and account.email:
            return [_check("login-code", "email", account.email)]
        return []
    if kind == "join":
        return [_check("join-ip", "ip", address), _check("join-ip-day", "ip", address)]
    if kind == "post":
        return _post_checks(address)
    if kind == "transfer":
        return [_check("transfer-ip", "ip", address), _check("transfer-ip-day", "ip", address)]
    return []


def _refuse(retry_after: int) -> TooManyRequests:
    error = TooManyRequests(
        _(
            "Too many attempts. Please wait %(minutes)d minutes and try again.",
            minutes=max(1, retry_after // 60),
        )
    )
    error.retry_after = retry_after  # werkzeug sends it as Retry-After
    return error


def enforce_limits() -> None:
    if request.method != "POST":
        return
    for limit, key in _limits_for_request():
        verdict = hit(limit, key)
        if not verdict.allowed:
            raise _refuse(verdict.retry_after)
    _refuse_spent_code_budget()


def _refuse_spent_code_budget() -> None:
    """The API signs in with password and code in one request; wrong codes are counted after
    the answer (only the password's holder can make one), and a spent budget refuses here."""
    if _declared_kind() != "password" or _json_object().get("code") in (None, ""):
        return
    email = _email_in_request()
    if email and devices.trusted_device(email) is None:
        limit, key = _check("login-code", "email", email)
        verdict = peek(limit, key)
        if not verdict.allowed:
            raise _refuse(verdict.retry_after)


def _count_wrong_code(response: Response) -> Response:
    """A wrong second-factor code on the one-request API sign-in counts on the account."""
    if _declared_kind() == "password" and response.status_code == 401:
        body = response.get_json(silent=True) if response.is_json else None
        code = body.get("error", {}).get("code") if isinstance(body, dict) else None
        email = _email_in_request()
        if code == "totp_invalid" and email and devices.trusted_device(email) is None:
            db.session.rollback()  # hit() commits: nothing of the failed view goes with it
            hit(*_check("login-code", "email", email))
    return response


def init_app(app: Flask) -> None:
    app.extensions["rate_limits"] = configured_limits(app.config)
    devices.init_app(app)
    if app.config.get("RATE_LIMITS_ENABLED", True):
        app.before_request(enforce_limits)
        app.after_request(_count_wrong_code)
