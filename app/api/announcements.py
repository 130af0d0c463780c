"""A commune's announcements."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.announcements.services import (
    list_announcements,
    post_announcement,
    readable_announcement,
)
from app.api.helpers import json_body, require_account
from app.api.schemas import announcement_json
from app.extensions import db
from app.membership.services import member_commune
from app.push.services import delivery_summaries, messages_for

bp = Blueprint("announcements", __name__)


@bp.get("/communes/<slug>/announcements")
def index(slug: str) -> Response:
    commune, _role = member_commune(slug, require_account())
    return jsonify(items=[announcement_json(item) for item in list_announcements(commune)])


@bp.post("/communes/<slug>/announcements")
def create(slug: str) -> tuple[Response, int]:
    account = require_account()
    commune, _role = member_commune(slug, account)
    announcement = post_announcement(commune, account, json_body())
    db.session.commit()
    return jsonify(announcement_json(announcement)), 201


@bp.get("/announcements/<id:announcement_id>")
def show(announcement_id: int) -> Response:
    announcement = readable_announcement(announcement_id, require_account())
    data = announcement_json(announcement)
    message = messages_for(announcement_ids=[announcement.id]).get(
        ("announcement", announcement.id)
    )
    if message is not None:
        data["delivery"] = delivery_summaries([message])[message.id]
    return jsonify(data)
