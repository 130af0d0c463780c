"""``/join``: become a member of a commune group with the token from its QR board."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.accounts.sessions import current_account, sign_in
from app.api.helpers import json_body, require_account
from app.api.spec import DELETE_POSTS, documented
from app.communes.schemas import CommuneRef
from app.extensions import db
from app.membership.schemas import Joined, JoinedMember, JoinRequest
from app.membership.services import join, member_commune
from app.privacy.services import leave
from app.ratelimit.declare import limited
from app.schema.load import load
from app.schema.query import DeletePostsQuery

bp = Blueprint("membership", __name__)


@bp.post("/join")
@documented(
    "Join a commune with its board's token",
    {201: Joined, 200: Joined},
    404,
    410,
    422,
    signed_in=False,
    body=JoinRequest,
    description="201 (and a session) for a new member, 200 when already a member; "
    "410 for the token of a board that was replaced.",
)
@limited("join")
def join_commune() -> tuple[Response, int]:
    data = json_body()
    result = join(data.get("token"), data.get("display_name"), current_account())
    sign_in(result.account)
    db.session.commit()
    body = Joined(
        member=JoinedMember.model_validate(result.account),
        commune=CommuneRef.model_validate(result.membership.commune),
        role=result.membership.role,
    )
    return jsonify(body.dump()), 201 if result.created else 200


@bp.delete("/communes/<slug>/membership")
@documented("Leave a commune", {204: None}, 403, params=(DELETE_POSTS,))
def leave_commune(slug: str) -> tuple[str, int]:
    account = require_account()
    commune, _role = member_commune(slug, account)
    leave(account, commune, delete_posts=load(DeletePostsQuery, request.args).delete_posts)
    db.session.commit()
    return "", 204
