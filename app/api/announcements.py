"""A commune's announcements: posting, editing, pinning, expiry, and their reach."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.announcements.models import Announcement as AnnouncementRow
from app.announcements.schemas import (
    Announcement,
    AnnouncementChange,
    AnnouncementList,
    NewAnnouncement,
)
from app.announcements.services import (
    listed_announcements,
    post_announcement,
    reach,
    readable_announcement,
    update_announcement,
)
from app.announcements.validators import announcement_state, listed_state
from app.api.helpers import json_body, require_account
from app.api.spec import OFFICIALS, documented
from app.communes.services import get_commune
from app.conditional import etag, not_modified, tagged
from app.extensions import db
from app.membership.services import member_commune

bp = Blueprint("announcements", __name__)
LISTED = 50  # listed_announcements' default


@bp.get("/communes/<slug>/announcements")
@documented(
    "Announcements: urgent, then pinned, then newest first (the latest 50)",
    {200: AnnouncementList},
    403,
)
def index(slug: str) -> Response:
    account = require_account()
    commune = get_commune(slug)
    items, official = listed_announcements(commune, account)
    summaries = reach(items) if official else {}
    state = listed_state(commune, include_expired=official, limit=LISTED, reach=summaries)
    tag = etag(account.id, official, state)
    unchanged = not_modified(tag)
    if unchanged is not None:
        return unchanged
    listed = [Announcement.of(item, summaries.get(item.id)) for item in items]
    return tagged(jsonify(AnnouncementList(items=listed).dump()), tag)


@bp.post("/communes/<slug>/announcements")
@documented(
    "Post an announcement (official)", {201: Announcement}, *OFFICIALS, body=NewAnnouncement
)
def create(slug: str) -> tuple[Response, int]:
    account = require_account()
    commune, _role = member_commune(slug, account)
    announcement = post_announcement(commune, account, json_body())
    db.session.commit()
    return jsonify(Announcement.of(announcement).dump()), 201


@bp.get("/announcements/<id:announcement_id>")
@documented("An announcement", {200: Announcement}, 403)
def show(announcement_id: int) -> Response:
    account = require_account()
    announcement = readable_announcement(announcement_id, account)
    summary = reach([announcement]).get(announcement.id)
    tag = etag(account.id, announcement_state(announcement, summary))
    unchanged = not_modified(tag)
    if unchanged is not None:
        return unchanged
    return tagged(jsonify(Announcement.of(announcement, summary).dump()), tag)


@bp.patch("/announcements/<id:announcement_id>")
@documented(
    "Edit, mark urgent, pin or set the expiry of an announcement (official)",
    {200: Announcement},
    *OFFICIALS,
    body=AnnouncementChange,
    description="Any of the fields; none of them is 422.",
)
def update(announcement_id: int) -> Response:
    announcement = update_announcement(announcement_id, require_account(), json_body())
    db.session.commit()
    return jsonify(_with_reach(announcement))


def _with_reach(announcement: AnnouncementRow) -> dict:
    """The announcement with its reach, when its notification was queued."""
    return Announcement.of(announcement, reach([announcement]).get(announcement.id)).dump()
