"""The signed session cookie: who is signed in, checked on every request."""

from __future__ import annotations

from flask import Flask, g, session

from app.accounts.models import Account
from app.extensions import db


def sign_in(account: Account) -> None:
    """Start a fresh, long-lived session for ``account`` (a new cookie, so no fixation)."""
    session.clear()
    session["aid"] = account.id
    session["epoch"] = account.session_epoch
    session.permanent = True


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
