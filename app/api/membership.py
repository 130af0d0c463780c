"""``/join``: become a member of a commune group with the token from its QR board."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.accounts.sessions import current_account, sign_in
from app.api.helpers import json_body, require_account
from app.api.schemas import commune_json
from app.extensions import db
from app.membership.services import join, member_commune
from app.privacy.services import leave
from app.ratelimit.declare import limited

bp = Blueprint("membership", __name__)


@bp.post("/join")
@limited("join")
def join_commune() -> tuple[Response, int]:
    data = json_body()
    result = join(data.get("token"), data.get("display_name"), current_account())
    sign_in(result.account)
    db.session.commit()
    body = {
        "member": {"id": result.account.id, "display_name": result.account.display_name},
        "commune": commune_json(result.membership.commune),
        "role": result.membership.role,
    }
    return jsonify(body), 201 if result.created else 200


@bp.delete("/communes/<slug>/membership")
def leave_commune(slug: str) -> tuple[str, int]:
    account = require_account()
    commune, _role = member_commune(slug, account)
    leave(account, commune, delete_posts=request.args.get("delete_posts") == "1")
    db.session.commit()
    return "", 204
