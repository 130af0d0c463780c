"""Who is signed in: one server-side session per browser, named by a random cookie token.

The signed cookie holds the session's token and the account's session key; the server keeps
the token's SHA-256 in ``login_session``. A request costs one indexed lookup (session and
account in one query). Signing out deletes the row, so a copied cookie stops working; ending
every session of an account (password change, revocation, deletion) deletes its rows and
replaces its key. Account ids are never reissued, and the key is random per account, so a
cookie of a deleted account never signs anyone else in.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, request, session
from flask.ctx import _AppCtxGlobals
from itsdangerous import BadSignature
from sqlalchemy import Select, bindparam, delete, select, update
from werkzeug.wrappers import Response

from app.accounts.devices import describe_device
from app.accounts.models import Account, LoginSession, new_session_key
from app.extensions import db
from app.models_base import as_utc, utcnow

# How often a session's "last seen" is written: reading pages is not a write per request.
TOUCH_SECONDS = 3600

# Between the password and the second-factor code: who passed the password, until when.
PENDING_KEY = "pending_login"
PENDING_SECONDS = 300


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _same(stored: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(
        stored.encode(), given.encode("utf-8", "replace")
    )


def sign_in(account: Account) -> None:
    """Start a new session for ``account`` in this browser (a new token, so no fixation);
    the session this browser had ends. Not committed: the caller commits."""
    _end_this_browsers_session()
    _forget_idle_sessions()
    db.session.flush()  # a new account gets its id and key
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        account_id=account.id,
        token_hash=_digest(token),
        device=describe_device(request.user_agent.string),
    )
    db.session.add(login)
    db.session.flush()
    session.clear()
    session["sid"] = token
    session["key"] = account.session_key
    session.permanent = True
    g.account, g.account_id = account, account.id
    g.session_id, g.session_seen = login.id, None


def sign_out() -> None:
    """End this browser's session on the server (not committed)."""
    account = current_account()
    _end_this_browsers_session()
    if account is not None:
        # A cookie from before server-side sessions ends too (see _upgrade_old_cookie).
        db.session.execute(
            update(Account)
            .where(Account.id == account.id)
            .values(session_epoch=Account.session_epoch + 1)
        )
    session.clear()
    g.account = None
    g.account_id = g.session_id = g.session_seen = None


def end_sessions(account: Account) -> None:
    """End every session of ``account`` and any sign-in waiting for its code (not committed).

    Callers that keep the current device signed in call ``sign_in`` afterwards."""
    db.session.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
    account.session_key = new_session_key()
    account.session_epoch = Account.session_epoch + 1


def sessions_of(account: Account) -> Sequence[LoginSession]:
    """The account's sessions, most recently used first."""
    return db.session.scalars(
        select(LoginSession)
        .where(LoginSession.account_id == account.id)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()


def current_session_id() -> int | None:
    return g.get("session_id")


def current_account() -> Account | None:
    """The signed-in account, or None (loaded on first use: the session check itself reads
    only the account's id and key)."""
    if "account" not in g.__dict__:
        _materialise_account()
    return g.get("account")


def current_account_id() -> int | None:
    """The signed-in account's id without loading the account (the read path's fast lane)."""
    if "account" in g.__dict__:
        account = g.get("account")
        return account.id if account is not None else None
    return g.get("account_id")


def current_account_is_staff() -> bool:
    """Whether the signed-in account is staff (``Account.is_staff``) without loading it."""
    if "account" in g.__dict__:
        account = g.get("account")
        return account is not None and account.is_staff
    return bool(g.get("account_is_staff"))


def _materialise_account() -> None:
    account_id = g.get("account_id")
    g.account = db.session.get(Account, account_id) if account_id is not None else None


class LazyAccountGlobals(_AppCtxGlobals):
    """``g`` whose ``account`` (as templates read it) is loaded on first use."""

    def __getattr__(self, name: str) -> Any:
        if name == "account":
            _materialise_account()
            return self.__dict__["account"]
        return super().__getattr__(name)


def start_pending_login(account: Account, landing: str) -> None:
    """Remember, for 5 minutes, that ``account`` passed the password step in this browser
    (not committed: the session this browser had ends)."""
    _end_this_browsers_session()
    session.clear()
    session[PENDING_KEY] = {
        "aid": account.id,
        "key": account.session_key,
        "until": int(time.time()) + PENDING_SECONDS,
        "next": landing,
    }


def pending_login() -> tuple[Account, str] | None:
    """The account that passed the password step here, if still in time, and where it was
    going; a password change, a revocation or a deletion since then ends it."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("aid"), int):
        return None
    if not isinstance(pending.get("until"), int) or pending["until"] < time.time():
        return None
    account = db.session.get(Account, pending["aid"])
    if account is None or not _same(account.session_key, pending.get("key")):
        return None
    landing = pending.get("next")
    return account, landing if isinstance(landing, str) else ""


# --- every request ------------------------------------------------------------------------------


def _end_this_browsers_session() -> None:
    token = session.get("sid")
    if isinstance(token, str):
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def _lifetime() -> timedelta:
    return current_app.permanent_session_lifetime


def _forget_idle_sessions() -> None:
    """Sessions unused for as long as a cookie lives are gone anyway; drop their rows."""
    idle = LoginSession.last_seen_at < utcnow() - _lifetime()
    db.session.execute(delete(LoginSession).where(idle))


def _load_account() -> None:
    g.account = None
    g.account_id = g.session_id = g.session_seen = None
    token = session.get("sid")
    if isinstance(token, str):
        _load_session(token)
    elif "aid" in session:
        # Every request, static files and refused ones included: an old cookie is upgraded
        # or cleared before anything else could have it signed again with a newer time.
        _upgrade_old_cookie()


@functools.cache
def _session_query() -> Select:
    # Built once per process, and without the ORM: a read costs this one indexed lookup
    # (about a third of the same query loading an Account); the account comes when used.
    return (
        select(
            LoginSession.id,
            LoginSession.last_seen_at,
            LoginSession.account_id,
            Account.session_key,
            Account.email,
        )
        .join(Account, Account.id == LoginSession.account_id)
        .where(LoginSession.token_hash == bindparam("token_hash"))
    )


def _load_session(token: str) -> None:
    statement = _session_query()
    row = db.session.connection().execute(statement, {"token_hash": _digest(token)}).first()
    if (
        row is None
        or not _same(row.session_key, session.get("key"))
        or as_utc(row.last_seen_at) < utcnow() - _lifetime()
    ):
        session.clear()
        return
    del g.account  # loaded on first use (current_account, or g.account in a template)
    g.account_id, g.account_is_staff = row.account_id, row.email is not None
    g.session_id, g.session_seen = row.id, row.last_seen_at


def _upgrade_old_cookie() -> None:
    """A cookie from before server-side sessions held an account id and a counter. Honoured
    once, to replace it with a session, only if its counter is current and it was signed
    after the account was created: ids were reused then, and a cookie older than its account
    belonged to a deleted one. Remove once every such cookie has expired (a year)."""
    account_id = session.get("aid")
    account = db.session.get(Account, account_id) if isinstance(account_id, int) else None
    signed_at = _cookie_signed_at()
    if (
        account is None
        or session.get("epoch") != account.session_epoch
        or signed_at is None
        # Cookie times are whole seconds.
        or signed_at + timedelta(seconds=1) < as_utc(account.created_at)
    ):
        session.clear()
        return
    db.session.rollback()  # write in a fresh transaction (SQLite: no stale read snapshot)
    sign_in(account)
    db.session.commit()


def _cookie_signed_at() -> datetime | None:
    raw = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"], "")
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    try:
        _data, signed_at = serializer.loads(raw, return_timestamp=True)
    except BadSignature:
        return None
    return signed_at


def _touch_session(response: Response) -> Response:
    """Note when a session was last used, at most once an hour, after the view is done."""
    seen = g.get("session_seen")
    if seen is None or utcnow() - as_utc(seen) < timedelta(seconds=TOUCH_SECONDS):
        return response
    db.session.rollback()  # whatever the view left uncommitted is not ours to commit
    db.session.execute(
        update(LoginSession).where(LoginSession.id == g.session_id).values(last_seen_at=utcnow())
    )
    db.session.commit()
    # The cookie is sent again only now (SESSION_REFRESH_EACH_REQUEST is off), so its expiry
    # follows use without re-signing it on every response.
    session.modified = True
    return response


def init_app(app: Flask) -> None:
    # A cookie is signed again only when the session changes: re-signing any cookie on every
    # response would give an old-format cookie a fresh time, which is what tells a deleted
    # account's cookie from the account that later got the same id.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.app_ctx_globals_class = LazyAccountGlobals
    # Registered right after the database's choice of transaction (create_app): before the
    # Origin guard or anything else may refuse or answer the request.
    app.before_request(_load_account)
    app.after_request(_touch_session)
