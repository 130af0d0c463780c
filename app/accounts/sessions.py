"""The signed session cookie: who is signed in, checked on every request."""

from __future__ import annotations

import time

from flask import Flask, g, session

from app.accounts.models import Account
from app.extensions import db


def sign_in(account: Account) -> None:
    """Start a fresh, long-lived session for ``account`` (a new cookie, so no fixation)."""
    session.clear()
    session["aid"] = account.id
    session["epoch"] = account.session_epoch
    session.permanent = True


# Between the password and the second-factor code: who passed the password, until when.
PENDING_KEY = "pending_login"
PENDING_SECONDS = 300


def start_pending_login(account: Account, landing: str) -> None:
    """Remember, for 5 minutes, that ``account`` passed the password step in this browser."""
    session.clear()
    session[PENDING_KEY] = {
        "aid": account.id,
        "epoch": account.session_epoch,
        "until": int(time.time()) + PENDING_SECONDS,
        "next": landing,
    }


def pending_login() -> tuple[Account, str] | None:
    """The account that passed the password step here, if still in time, and where it was
    going; a password change or a revocation since then ends it."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("aid"), int):
        return None
    if not isinstance(pending.get("until"), int) or pending["until"] < time.time():
        return None
    account = db.session.get(Account, pending["aid"])
    if account is None or account.session_epoch != pending.get("epoch"):
        return None
    landing = pending.get("next")
    return account, landing if isinstance(landing, str) else ""


def sign_out() -> None:
    session.clear()
    g.account = None


def current_account() -> Account | None:
    """The signed-in account, or None."""
    return g.get("account")


def _load_account() -> None:
    g.account = None
    account_id = session.get("aid")
    if not isinstance(account_id, int):
        return
    account = db.session.get(Account, account_id)
    # A bumped epoch (password change, revocation) ends every older session.
    if account is None or session.get("epoch") != account.session_epoch:
        session.clear()
        return
    g.account = account


def init_app(app: Flask) -> None:
    app.before_request(_load_account)
