"""Sign-in pages for officials and admins, and their second-factor settings."""

from __future__ import annotations

import base64
import time

from flask import Blueprint, current_app, render_template, request, session, url_for
from werkzeug.wrappers import Response

from app.accounts import second_factor
from app.accounts.models import Account
from app.accounts.services import authenticate
from app.accounts.sessions import current_account, sign_in, sign_out
from app.accounts.totp import provisioning_uri
from app.communes.boards import board_svg
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.web import login_required, safe_next, see_other

bp = Blueprint("accounts", __name__)

# Between the password and the code: who passed the password, until when (5 minutes).
PENDING_KEY = "pending_login"
PENDING_SECONDS = 300


def _landing(account: Account) -> str:
    default = url_for("communes.admin") if account.is_admin else url_for("membership.home")
    return safe_next(request.args.get("next"), default)


@bp.get("/login")
def login() -> str:
    return render_template("accounts/login.html", email="", error=None)


@bp.post("/login")
def login_submit():
    email = request.form.get("email", "")
    try:
        account = authenticate(email, request.form.get("password", ""))
    except DomainError as error:
        return render_template("accounts/login.html", email=email, error=error.message), 401
    db.session.commit()  # a rehashed password is kept even if the code step is never finished
    if account.has_second_factor:
        session.clear()
        session[PENDING_KEY] = {
            "aid": account.id,
            "epoch": account.session_epoch,
            "until": int(time.time()) + PENDING_SECONDS,
            "next": _landing(account),
        }
        return render_template("accounts/login_code.html", error=None)
    sign_in(account)
    return see_other(_landing(account))


def pending_login_account() -> Account | None:
    """The account that passed the password step in this browser, if still in time."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("aid"), int):
        return None
    if not isinstance(pending.get("until"), int) or pending["until"] < time.time():
        return None
    account = db.session.get(Account, pending["aid"])
    if account is None or account.session_epoch != pending.get("epoch"):
        return None
    return account


@bp.post("/login/code")
def login_code_submit():
    account = pending_login_account()
    if account is None:
        session.pop(PENDING_KEY, None)
        return see_other(url_for("accounts.login"))
    try:
        second_factor.check(account, request.form.get("code", ""))
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/login_code.html", error=error.message), 401
    landing = session[PENDING_KEY].get("next") or url_for("membership.home")
    db.session.commit()
    sign_in(account)
    return see_other(safe_next(landing, url_for("membership.home")))


@bp.post("/logout")
def logout():
    if current_account() is not None:
        sign_out()
    return see_other(url_for("membership.home"))


# --- second factor settings -------------------------------------------------------------------


def _staff() -> Account:
    account = current_account()
    if account is None or not account.is_staff:
        raise Forbidden()
    return account


def _private(page: str, status: int = 200) -> Response:
    """A page that shows a secret: never stored by the browser, a proxy or the service worker."""
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/security")
@login_required
def security() -> str:
    account = _staff()
    return render_template(
        "accounts/security.html",
        account=account,
        codes_left=second_factor.recovery_codes_left(account),
        error=None,
    )


def _setup_page(account: Account, error: str | None = None, status: int = 200) -> Response:
    assert account.totp_secret is not None
    uri = provisioning_uri(account.totp_secret, account.email or "", _issuer())
    qr = base64.b64encode(board_svg(uri)).decode("ascii")
    grouped = " ".join(
        account.totp_secret[i : i + 4] for i in range(0, len(account.totp_secret), 4)
    )
    page = render_template(
        "accounts/security_setup.html", qr=qr, secret=grouped, uri=uri, error=error
    )
    return _private(page, status)


def _issuer() -> str:
    return current_app.config["TOTP_ISSUER"]


@bp.post("/account/security/setup")
@login_required
def security_setup() -> Response:
    account = _staff()
    try:
        second_factor.begin_setup(account, request.form.get("password"), issuer=_issuer())
    except DomainError as error:
        page = render_template(
            "accounts/security.html", account=account, codes_left=0, error=error.message
        )
        return _private(page, error.status)
    db.session.commit()
    return _setup_page(account)


@bp.post("/account/security/confirm")
@login_required
def security_confirm() -> Response:
    account = _staff()
    try:
        codes = second_factor.confirm_setup(account, request.form.get("code", ""))
    except DomainError as error:
        db.session.rollback()
        if account.totp_secret is None or account.has_second_factor:
            return see_other(url_for("accounts.security"))
        return _setup_page(account, error.message, error.status)
    db.session.commit()
    sign_in(account)  # the other sessions ended; this one carries on
    return _private(render_template("accounts/recovery_codes.html", codes=codes))


@bp.post("/account/security/disable")
@login_required
def security_disable() -> Response:
    account = _staff()
    try:
        second_factor.disable(
            account, request.form.get("password", ""), request.form.get("code", "")
        )
    except DomainError as error:
        db.session.rollback()
        page = render_template(
            "accounts/security.html",
            account=account,
            codes_left=second_factor.recovery_codes_left(account),
            error=error.message,
        )
        return _private(page, error.status)
    db.session.commit()
    return see_other(url_for("accounts.security"))
