"""Sign-in pages for officials and admins, and their second-factor settings."""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, render_template, request, session, url_for
from werkzeug.wrappers import Response

from app.accounts import second_factor
from app.accounts.models import Account
from app.accounts.services import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    change_password,
    open_password_reset,
    reset_password,
)
from app.accounts.sessions import (
    PENDING_KEY,
    current_account,
    current_session_id,
    end_sessions,
    pending_login,
    sessions_of,
    sign_in,
    sign_out,
    start_pending_login,
)
from app.accounts.transfer import redeem
from app.communes.boards import board_svg
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.ratelimit.declare import limited
from app.ratelimit.devices import trust_this_device
from app.web import login_required, safe_next, see_other

bp = Blueprint("accounts", __name__)


@bp.context_processor
def password_rules() -> dict[str, int]:
    return {"min_password_length": MIN_PASSWORD_LENGTH}


def _landing(account: Account) -> str:
    default = url_for("communes.admin") if account.is_admin else url_for("membership.home")
    return safe_next(request.args.get("next"), default)


@bp.get("/login")
def login() -> str:
    return render_template(
        "accounts/login.html", email="", error=None, reset=request.args.get("reset") == "1"
    )


@bp.post("/login")
@limited("password")
def login_submit():
    email = request.form.get("email", "")
    try:
        account = authenticate(email, request.form.get("password", ""))
    except DomainError as error:
        page = render_template("accounts/login.html", email=email, error=error.message, reset=False)
        return page, 401
    if account.has_second_factor:
        start_pending_login(account, _landing(account))
        db.session.commit()  # a rehashed password is kept even if the code step is never done
        return render_template("accounts/login_code.html", error=None)
    sign_in(account)
    db.session.commit()
    trust_this_device(account.email)
    return see_other(_landing(account))


@bp.post("/login/code")
@limited("sign-in-code")
def login_code_submit():
    pending = pending_login()
    if pending is None:
        session.pop(PENDING_KEY, None)
        return see_other(url_for("accounts.login"))
    account, landing = pending
    try:
        second_factor.check(account, request.form.get("code", ""))
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/login_code.html", error=error.message), 401
    sign_in(account)
    db.session.commit()
    trust_this_device(account.email)
    return see_other(safe_next(landing, url_for("membership.home")))


@bp.post("/logout")
def logout():
    if current_account() is not None:
        sign_out()
        db.session.commit()
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
    return _security_html(_staff())


def _security_html(account: Account, error: str | None = None) -> str:
    return render_template(
        "accounts/security.html",
        account=account,
        codes_left=second_factor.recovery_codes_left(account),
        sessions=sessions_of(account),
        this_session=current_session_id(),
        error=error,
    )


@bp.post("/account/security/sign-out-others")
@login_required
def sign_out_others() -> Response:
    """End every other session of this staff member: a lost phone, a shared computer."""
    account = _staff()
    end_sessions(account)
    sign_in(account)
    db.session.commit()
    return see_other(url_for("accounts.security", ended=1))


def _setup_page(account: Account, error: str | None = None, status: int = 200) -> Response:
    setup = second_factor.pending_setup(account, issuer=_issuer())
    qr = base64.b64encode(board_svg(setup.uri)).decode("ascii")
    grouped = " ".join(setup.secret[i : i + 4] for i in range(0, len(setup.secret), 4))
    page = render_template(
        "accounts/security_setup.html", qr=qr, secret=grouped, uri=setup.uri, error=error
    )
    return _private(page, status)


def _issuer() -> str:
    return current_app.config["TOTP_ISSUER"]


@bp.post("/account/security/setup")
@limited("code")
@login_required
def security_setup() -> Response:
    account = _staff()
    try:
        second_factor.begin_setup(account, request.form.get("password"), issuer=_issuer())
    except DomainError as error:
        return _private(_security_html(account, error.message), error.status)
    db.session.commit()
    return _setup_page(account)


@bp.post("/account/security/confirm")
@limited("code")
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
    sign_in(account)  # the other sessions ended; this one carries on
    db.session.commit()
    return _private(render_template("accounts/recovery_codes.html", codes=codes))


@bp.post("/account/security/disable")
@limited("code")
@login_required
def security_disable() -> Response:
    account = _staff()
    try:
        second_factor.disable(
            account, request.form.get("password", ""), request.form.get("code", "")
        )
    except DomainError as error:
        db.session.rollback()
        return _private(_security_html(account, error.message), error.status)
    db.session.commit()
    return see_other(url_for("accounts.security"))


# --- passwords --------------------------------------------------------------------------------


@bp.get("/account/password")
@login_required
def password_page() -> str:
    _staff()
    return render_template(
        "accounts/password.html", error=None, done=request.args.get("done") == "1"
    )


@bp.post("/account/password")
@limited("code")
@login_required
def password_submit():
    """A staff member changes their own password; their other devices are signed out."""
    account = _staff()
    try:
        change_password(
            account, request.form.get("current_password", ""), request.form.get("new_password", "")
        )
    except DomainError as error:
        db.session.rollback()
        page = render_template("accounts/password.html", error=error.message, done=False)
        return page, error.status
    sign_in(account)  # every session ended; this device carries on
    db.session.commit()
    return see_other(url_for("accounts.password_page", done=1))


@bp.get("/password-reset/<token>")
def password_reset_page(token: str) -> Response:
    """The page a reset link opens: choose a new password (the link is checked, not spent)."""
    try:
        reset = open_password_reset(token)
    except NotFound as error:
        return _private(render_template("accounts/password_reset.html", gone=error.message), 404)
    account = db.session.get(Account, reset.account_id)
    page = render_template("accounts/password_reset.html", gone=None, account=account, error=None)
    return _private(page)


@bp.post("/password-reset/<token>")
@limited("password")
def password_reset_submit(token: str) -> Response:
    try:
        reset_password(token, request.form.get("new_password", ""))
    except NotFound as error:
        db.session.rollback()
        return _private(render_template("accounts/password_reset.html", gone=error.message), 404)
    except DomainError as error:
        db.session.rollback()
        account = db.session.get(Account, open_password_reset(token).account_id)
        page = render_template(
            "accounts/password_reset.html", gone=None, account=account, error=error.message
        )
        return _private(page, error.status)
    db.session.commit()
    # Every session of the account ended, this browser's too if it had one: they sign in
    # with the new password (and their code, if they have a second factor).
    session.clear()
    return see_other(url_for("accounts.login", reset=1))


# --- a resident's new phone: the code from the old one (or the recovery code) ---------------


def _transfer_page(code: str = "", error: str | None = None, status: int = 200) -> Response:
    page = render_template("accounts/transfer.html", code=code, error=error)
    return _private(page, status)


@bp.get("/transfer")
def transfer() -> Response:
    return _transfer_page()


@bp.get("/transfer/<code>")
def transfer_link(code: str) -> Response:
    """The old phone's QR code opens this: the code is filled in, and signing in waits for a
    tap, so a link preview or a prefetch never uses the code up."""
    return _transfer_page(code[:64])


@bp.post("/transfer")
@limited("transfer")
def transfer_submit() -> Response:
    code = request.form.get("code", "")
    try:
        account = redeem(code)
    except DomainError as error:
        db.session.rollback()
        return _transfer_page(code[:64], error.message, error.status)
    sign_in(account)
    db.session.commit()
    return see_other(url_for("membership.home", moved=1))
