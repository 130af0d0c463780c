"""``/auth/login``, ``/auth/logout``, the second factor (``/auth/totp/…``) and ``/me``."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.accounts import second_factor
from app.accounts.services import authenticate, change_password
from app.accounts.sessions import current_account, end_sessions, sign_in, sign_out
from app.api.helpers import json_body, require_account
from app.api.schemas import account_json, commune_json
from app.extensions import db
from app.membership.services import memberships_of
from app.privacy.services import delete_account, export_data
from app.ratelimit.declare import limited
from app.ratelimit.devices import trust_this_device

bp = Blueprint("auth", __name__)


@bp.post("/auth/login")
@limited("password")
def login() -> Response:
    data = json_body()
    account = authenticate(data.get("email"), data.get("password"))
    # With a second factor on, the same request carries the code (401 totp_required without).
    second_factor.check(account, data.get("code"))
    sign_in(account)
    db.session.commit()
    trust_this_device(account.email)
    return jsonify(user=account_json(account))


@bp.post("/auth/totp/setup")
@limited("code")
def totp_setup() -> Response:
    """A new secret for the caller's authenticator app; not trusted until confirmed."""
    account = require_account()
    setup = second_factor.begin_setup(
        account, json_body().get("password"), issuer=current_app.config["TOTP_ISSUER"]
    )
    db.session.commit()
    response = jsonify(secret=setup.secret, otpauth_uri=setup.uri)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/auth/totp/confirm")
@limited("code")
def totp_confirm() -> Response:
    """Turn the second factor on with a first code; answers the one-time recovery codes."""
    account = require_account()
    codes = second_factor.confirm_setup(account, json_body().get("code"))
    sign_in(account)  # other sessions ended; this one carries on
    db.session.commit()
    response = jsonify(recovery_codes=codes)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/auth/totp/disable")
@limited("code")
def totp_disable() -> tuple[str, int]:
    account = require_account()
    data = json_body()
    second_factor.disable(account, data.get("password"), data.get("code"))
    db.session.commit()
    return "", 204


@bp.post("/auth/password")
@limited("code")
def change_password_view() -> Response:
    """Change the signed-in staff member's password; other devices are signed out."""
    account = require_account()
    data = json_body()
    change_password(account, data.get("current_password"), data.get("new_password"))
    sign_in(account)  # the other sessions ended; this device stays signed in
    db.session.commit()
    return jsonify(user=account_json(account))


@bp.post("/auth/logout")
def logout() -> tuple[str, int]:
    """End this session on the server: a copy of the cookie stops working too."""
    sign_out()
    db.session.commit()
    return "", 204


@bp.post("/auth/logout-others")
def logout_others() -> tuple[str, int]:
    """End every other session of the signed-in account; this one carries on."""
    account = require_account()
    end_sessions(account)
    sign_in(account)
    db.session.commit()
    return "", 204


@bp.get("/me")
def me() -> Response:
    account = current_account()
    if account is None:
        return jsonify(signed_in=False, kind=None, communes=[])
    communes = [
        {**commune_json(membership.commune), "role": membership.role}
        for membership in memberships_of(account)
    ]
    return jsonify(
        signed_in=True,
        id=account.id,
        kind=account.kind,
        display_name=account.display_name,
        email=account.email,
        second_factor=account.has_second_factor,
        # An admin's area; both null for a national admin. Null for everyone else.
        admin_scope=(
            {"province": account.admin_province, "district": account.admin_district}
            if account.is_admin
            else None
        ),
        communes=communes,
    )


@bp.get("/me/export")
def export() -> Response:
    """Everything stored about the signed-in person, as a JSON download."""
    account = require_account()
    response = jsonify(export_data(account))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@bp.delete("/me")
def forget_me() -> tuple[str, int]:
    """Delete the signed-in person; ``?delete_posts=1`` deletes their posts too."""
    account = require_account()
    delete_account(account, delete_posts=request.args.get("delete_posts") == "1")
    sign_out()
    db.session.commit()
    return "", 204
