"""``/auth/login``, ``/auth/logout`` and ``/me``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.accounts.privacy import delete_account, export_data
from app.accounts.services import authenticate, change_password
from app.accounts.sessions import current_account, sign_in, sign_out
from app.api.helpers import json_body, require_account
from app.api.schemas import account_json, commune_json
from app.extensions import db
from app.membership.services import memberships_of

bp = Blueprint("auth", __name__)


@bp.post("/auth/login")
def login() -> Response:
    data = json_body()
    account = authenticate(data.get("email"), data.get("password"))
    db.session.commit()
    sign_in(account)
    return jsonify(user=account_json(account))


@bp.post("/auth/password")
def change_password_view() -> Response:
    """Change the signed-in staff member's password; other devices are signed out."""
    account = require_account()
    data = json_body()
    change_password(account, data.get("current_password"), data.get("new_password"))
    db.session.commit()
    sign_in(account)  # this device stays signed in, with the new session counter
    return jsonify(user=account_json(account))


@bp.post("/auth/logout")
def logout() -> tuple[str, int]:
    sign_out()
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
    db.session.commit()
    sign_out()
    return "", 204
