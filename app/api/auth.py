"""``/auth/login``, ``/auth/logout``, the second factor (``/auth/totp/…``) and ``/me``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.accounts import second_factor
from app.accounts.schemas import (
    AdminScope,
    CodeCheck,
    Login,
    PasswordAndCode,
    PasswordChange,
    PasswordCheck,
    RecoveryCode,
    RecoveryCodes,
    TotpSetup,
    TransferCode,
    TransferRequest,
    User,
    UserAnswer,
)
from app.accounts.services import authenticate, change_password
from app.accounts.sessions import current_account, end_sessions, sign_in, sign_out
from app.accounts.transfer import (
    issue_recovery_code,
    issue_transfer_code,
    redeem,
    transfer_url,
)
from app.api.helpers import json_body, require_account
from app.api.spec import CODE_REJECTED, DELETE_POSTS, NO_STORE, STR, documented
from app.extensions import db
from app.membership.schemas import Me, MyCommune, SignedIn, SignedOut
from app.membership.services import memberships_of
from app.privacy.schemas import Export
from app.privacy.services import delete_account, export_data
from app.ratelimit.declare import limited
from app.ratelimit.devices import trust_this_device
from app.schema.load import load
from app.schema.query import DeletePostsQuery

bp = Blueprint("auth", __name__)


def _user(account) -> dict:
    return UserAnswer(user=User(id=account.id, email=account.email, role=account.kind)).dump()


@bp.post("/auth/login")
@documented(
    "Sign in (staff); sets the session cookie",
    {200: UserAnswer},
    signed_in=False,
    body=Login,
    special=CODE_REJECTED,
    description="401 alike for an unknown email and a wrong password; with the second "
    "factor on, also for a missing (totp_required) or wrong (totp_invalid) code.",
)
@limited("password")
def login() -> Response:
    data = json_body()
    account = authenticate(data.get("email"), data.get("password"))
    # With a second factor on, the same request carries the code (401 totp_required without).
    second_factor.check(account, data.get("code"))
    sign_in(account)
    db.session.commit()
    trust_this_device(account.email)
    return jsonify(_user(account))


@bp.post("/auth/totp/setup")
@documented(
    "Start setting up a second factor (staff): a new secret for an authenticator app",
    {200: TotpSetup},
    403,
    409,
    body=PasswordCheck,
    headers=NO_STORE,
    description="401 for a wrong password: a session alone cannot tie the account to a phone.",
)
@limited("code")
def totp_setup() -> Response:
    """A new secret for the caller's authenticator app; not trusted until confirmed."""
    account = require_account()
    setup = second_factor.begin_setup(
        account, json_body().get("password"), issuer=current_app.config["TOTP_ISSUER"]
    )
    db.session.commit()
    response = jsonify(TotpSetup(secret=setup.secret, otpauth_uri=setup.uri).dump())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/auth/totp/confirm")
@documented(
    "Turn the second factor on with a first code; my other sessions end",
    {200: RecoveryCodes},
    403,
    409,
    body=CodeCheck,
    headers=NO_STORE,
    special=CODE_REJECTED,
)
@limited("code")
def totp_confirm() -> Response:
    """Turn the second factor on with a first code; answers the one-time recovery codes."""
    account = require_account()
    codes = second_factor.confirm_setup(account, json_body().get("code"))
    sign_in(account)  # other sessions ended; this one carries on
    db.session.commit()
    response = jsonify(RecoveryCodes(recovery_codes=codes).dump())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/auth/totp/disable")
@documented(
    "Turn the second factor off (password and a current code)",
    {204: None},
    403,
    409,
    body=PasswordAndCode,
    special=CODE_REJECTED,
)
@limited("code")
def totp_disable() -> tuple[str, int]:
    account = require_account()
    data = json_body()
    second_factor.disable(account, data.get("password"), data.get("code"))
    db.session.commit()
    return "", 204


@bp.post("/auth/password")
@documented(
    "Change my password; my other sessions end",
    {200: UserAnswer},
    422,
    body=PasswordChange,
    description="401 for a wrong current password, or for a resident (no password).",
)
@limited("code")
def change_password_view() -> Response:
    """Change the signed-in staff member's password; other devices are signed out."""
    account = require_account()
    data = json_body()
    change_password(account, data.get("current_password"), data.get("new_password"))
    sign_in(account)  # the other sessions ended; this device stays signed in
    db.session.commit()
    return jsonify(_user(account))


@bp.post("/auth/logout")
@documented("Sign out: this session ends", {204: None}, signed_in=False)
def logout() -> tuple[str, int]:
    """End this session on the server: a copy of the cookie stops working too."""
    sign_out()
    db.session.commit()
    return "", 204


@bp.post("/auth/logout-others")
@documented("Sign out everywhere else", {204: None})
def logout_others() -> tuple[str, int]:
    """End every other session of the signed-in account; this one carries on."""
    account = require_account()
    end_sessions(account)
    sign_in(account)
    db.session.commit()
    return "", 204


@bp.get("/me")
@documented("Who is signed in", {200: Me}, signed_in=False)
def me() -> Response:
    return jsonify(_me(current_account()))


def _me(account) -> dict:
    if account is None:
        return SignedOut(signed_in=False, kind=None, communes=[]).dump()
    communes = [
        MyCommune(slug=m.commune.slug, name=m.commune.name, role=m.role)
        for m in memberships_of(account)
    ]
    scope = None
    if account.is_admin:
        # An admin's province; all null for a national admin. Null for everyone else.
        scope = AdminScope(
            province=account.admin_province,
            province_code=account.admin_province_code,
            district=None,
        )
    answer = SignedIn(
        signed_in=True,
        id=account.id,
        kind=account.kind,
        display_name=account.display_name,
        email=account.email,
        second_factor=account.has_second_factor,
        admin_scope=scope,
        communes=communes,
    )
    return answer.dump()


@bp.post("/me/transfer")
@documented(
    "A code to sign in on my new phone (residents): 15 minutes, one use",
    {201: TransferCode},
    403,
    headers=NO_STORE,
    description="The code (e.g. K7MX-3PRA) is typed on the new phone, or `url` opened there "
    "(as a QR code); a new code replaces the one made before. 403 for staff: they sign in "
    "with their password.",
)
def transfer_code() -> tuple[Response, int]:
    account = require_account()
    issued = issue_transfer_code(account)
    db.session.commit()
    body = TransferCode(
        code=issued.code,
        url=transfer_url(current_app.config["BASE_URL"], issued.code),
        expires_at=issued.expires_at,
    )
    response = jsonify(body.dump())
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.post("/me/recovery-code")
@documented(
    "A recovery code to keep (residents): shown once, works once",
    {201: RecoveryCode},
    403,
    headers=NO_STORE,
    description="16 characters (e.g. K7MX-3PRA-9WXY-ACEF), used with `POST /transfer` like a "
    "transfer code but without expiry; a new one replaces the one made before. 403 for staff.",
)
def recovery_code() -> tuple[Response, int]:
    account = require_account()
    issued = issue_recovery_code(account)
    db.session.commit()
    url = transfer_url(current_app.config["BASE_URL"], issued.code)
    response = jsonify(RecoveryCode(code=issued.code, url=url).dump())
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.post("/transfer")
@documented(
    "Sign this browser in with a transfer or recovery code",
    {200: Me},
    401,
    signed_in=False,
    body=TransferRequest,
    description="Signs in as the member who made the code (the same account and "
    "memberships); the code is used up. 401 alike for a wrong, used or expired code; "
    "guesses are rate-limited per address.",
)
@limited("transfer")
def use_transfer_code() -> Response:
    account = redeem(json_body().get("code"))
    sign_in(account)
    db.session.commit()
    return jsonify(_me(account))


@bp.get("/me/export")
@documented(
    "Everything stored about me (a download)",
    {200: Export},
    headers={"Content-Disposition": {"required": True, "schema": STR}},
)
def export() -> Response:
    """Everything stored about the signed-in person, as a JSON download."""
    account = require_account()
    response = jsonify(export_data(account).dump())
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@bp.delete("/me")
@documented("Delete my account", {204: None}, params=(DELETE_POSTS,))
def forget_me() -> tuple[str, int]:
    """Delete the signed-in person; ``?delete_posts=1`` deletes their posts too."""
    account = require_account()
    delete_account(account, delete_posts=load(DeletePostsQuery, request.args).delete_posts)
    sign_out()
    db.session.commit()
    return "", 204
