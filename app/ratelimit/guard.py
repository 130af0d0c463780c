"""Which requests are limited, by whom: applied before the view runs."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from app.accounts.sessions import current_account, pending_login
from app.ratelimit.services import Limit, hit, subject_key

# Sign-in: per address and per account, so neither one address nor a botnet can guess one
# account's password; the same answer whether or not the account exists.
LOGIN_PER_ADDRESS = Limit("login-ip", 30, 900)
LOGIN_PER_ACCOUNT = Limit("login-account", 10, 900)
# Joining creates accounts: per address.
JOIN_PER_ADDRESS = Limit("join-ip", 30, 3600)
# Posting: per member and per address.
POST_PER_MEMBER = Limit("post-member", 20, 600)
POST_PER_ADDRESS = Limit("post-ip", 60, 600)

LOGIN_ENDPOINTS = {"api.auth.login", "accounts.login_submit", "accounts.login_code_submit"}
# Endpoints that check a password or a second-factor code for a signed-in account: the
# per-account sign-in limit applies too, so a stolen session cannot guess its way further.
CODE_ENDPOINTS = {
    "api.auth.change_password_view",
    "api.auth.totp_setup",
    "api.auth.totp_confirm",
    "api.auth.totp_disable",
    "accounts.security_setup",
    "accounts.security_confirm",
    "accounts.security_disable",
}
JOIN_ENDPOINTS = {"api.membership.join_commune", "membership.join_submit"}
POST_ENDPOINTS = {
    "api.threads.create",
    "api.threads.reply",
    "feedback.ask",
    "feedback.reply",
}


def _email_in_request() -> str | None:
    if request.is_json:
        data = request.get_json(silent=True)
        value = data.get("email") if isinstance(data, dict) else None
    else:
        value = request.form.get("email")
    return value.strip().lower() if isinstance(value, str) else None


def _pending_login_email() -> str | None:
    """On the code step of the sign-in page: the account that passed the password step."""
    pending = pending_login()
    return pending[0].email if pending is not None else None


def _limits_for_request() -> list[tuple[Limit, str]]:
    endpoint = request.endpoint or ""
    address = request.remote_addr or "unknown"
    if endpoint in LOGIN_ENDPOINTS:
        checks = [(LOGIN_PER_ADDRESS, subject_key(LOGIN_PER_ADDRESS, "ip", address))]
        # On the code step only the account that passed the password counts: an email in the
        # form there must not move the guesses onto another account's budget.
        if endpoint == "accounts.login_code_submit":
            email = _pending_login_email()
        else:
            email = _email_in_request()
        if email:
            checks.append((LOGIN_PER_ACCOUNT, subject_key(LOGIN_PER_ACCOUNT, "email", email)))
        return checks
    if endpoint in CODE_ENDPOINTS:
        account = current_account()
        if account is not None and account.email:
            return [(LOGIN_PER_ACCOUNT, subject_key(LOGIN_PER_ACCOUNT, "email", account.email))]
        return []
    if endpoint in JOIN_ENDPOINTS:
        return [(JOIN_PER_ADDRESS, subject_key(JOIN_PER_ADDRESS, "ip", address))]
    if endpoint in POST_ENDPOINTS:
        checks = [(POST_PER_ADDRESS, subject_key(POST_PER_ADDRESS, "ip", address))]
        account = current_account()
        if account is not None:
            checks.append((POST_PER_MEMBER, f"{POST_PER_MEMBER.name}:account:{account.id}"))
        return checks
    return []


def enforce_limits() -> None:
    if request.method != "POST":
        return
    for limit, key in _limits_for_request():
        verdict = hit(limit, key)
        if not verdict.allowed:
            error = TooManyRequests(
                _(
                    "Too many attempts. Please wait %(minutes)d minutes and try again.",
                    minutes=max(1, verdict.retry_after // 60),
                )
            )
            error.retry_after = verdict.retry_after  # werkzeug sends it as Retry-After
            raise error


def init_app(app: Flask) -> None:
    if app.config.get("RATE_LIMITS_ENABLED", True):
        app.before_request(enforce_limits)
