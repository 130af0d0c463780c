"""A commune's announcements: posting, editing, pinning, expiry, and their reach."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.announcements.services import (
    listed_announcements,
    post_announcement,
    reach,
    readable_announcement,
    update_announcement,
)
from app.api.helpers import json_body, require_account
from app.api.schemas import announcement_json
from app.communes.services import get_commune
from app.extensions import db
from app.membership.services import member_commune

bp = Blueprint("announcements", __name__)


@bp.get("/communes/<slug>/announcements")
def index(slug: str) -> Response:
    account = require_account()
    items, official = listed_announcements(get_commune(slug), account)
    data = [announcement_json(item) for item in items]
    if official:
        summaries = reach(items)
        for entry in data:
            if entry["id"] in summaries:
                entry["delivery"] = summaries[entry["id"]]
    return jsonify(items=data)


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
    return jsonify(_with_reach(announcement))


@bp.patch("/announcements/<id:announcement_id>")
def update(announcement_id: int) -> Response:
    announcement = update_announcement(announcement_id, require_account(), json_body())
    db.session.commit()
    return jsonify(_with_reach(announcement))


def _with_reach(announcement) -> dict:
    data = announcement_json(announcement)
    summary = reach([announcement]).get(announcement.id)
    if summary is not None:
        data["delivery"] = summary
    return data
