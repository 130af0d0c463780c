"""Posting, editing and listing a commune's announcements: urgency, pinning, expiry, reach."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.announcements.schemas import AnnouncementText, AnnouncementTextChange
from app.audit.services import record
from app.communes.models import Commune
from app.errors import NotFound, ValidationError, as_object
from app.extensions import db
from app.membership.models import OFFICIAL
from app.membership.services import require_member, require_official
from app.models_base import as_utc, utcnow
from app.parsing import parse_datetime
from app.push.models import PushMessage
from app.push.reach import delivery_summaries
from app.schema.load import load
from app.signals import announcement_posted


def clean_pinned(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("pinned must be true or false."), field="pinned")
    return value


def clean_urgent(value: object) -> bool:
    """``urgent``: true or false; null or absent is false."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(_("urgent must be true or false."), field="urgent")
    return value


def clean_expiry(
    value: object, *, local_zone: tzinfo = UTC, future: bool = True
) -> datetime | None:
    """``expires_at``: null (never) or an ISO 8601 time in the future. A time without an
    offset is read in ``local_zone`` (UTC for the API; the commune's zone for page forms)."""
    if value is None or value == "":
        return None
    message = _("Give the expiry as a date and time.")
    moment = parse_datetime(value, "expires_at", zone=local_zone, message=message)
    if future and moment <= utcnow():
        raise ValidationError(_("The expiry must be in the future."), field="expires_at")
    return moment


def post_announcement(commune: Commune, account: Account | None, data: object) -> Announcement:
    """An official posts to every member of the commune (not committed); optionally urgent
    (``urgent``: sent at once and shown first, as a warning), pinned (``pinned``) and with an
    end (``expires_at``)."""
    require_official(account, commune)
    data = as_object(data)
    text = load(AnnouncementText, data)
    pinned = clean_pinned(data["pinned"]) if data.get("pinned") is not None else False
    urgent = clean_urgent(data.get("urgent"))
    expires_at = clean_expiry(data.get("expires_at"))
    announcement = Announcement(
        commune_id=commune.id,
        author=account,
        title=text.title,
        body=text.body,
        urgent=urgent,
        pinned=pinned,
        expires_at=expires_at,
    )
    db.session.add(announcement)
    db.session.flush()
    announcement_posted.send(announcement, commune=commune)  # every member is notified
    return announcement


def official_announcement(announcement_id: int, account: Account | None) -> Announcement:
    """An announcement of a commune the caller serves as an official."""
    announcement = readable_announcement(announcement_id, account)
    require_official(account, _commune_of(announcement))
    return announcement


def update_announcement(
    announcement_id: int,
    account: Account | None,
    data: object,
    *,
    local_zone: tzinfo = UTC,
) -> Announcement:
    """Edit (``title``, ``body``), mark or unmark as urgent (``urgent``), pin or unpin
    (``pinned``), set or clear the expiry (``expires_at``); any subset. An edit of the text
    queues its notification again with the same Topic, so a phone that has not yet received the
    old one gets only the new one."""
    announcement = official_announcement(announcement_id, account)
    commune = _commune_of(announcement)
    data = as_object(data)
    known = {"title", "body", "urgent", "pinned", "expires_at"}
    if not known & data.keys():
        raise ValidationError(_("Send at least one of: title, body, urgent, pinned, expires_at."))
    changed: list[str] = []
    text = load(AnnouncementTextChange, {k: data[k] for k in ("title", "body") if k in data})
    for name in ("title", "body"):
        value = getattr(text, name)
        if name in text.model_fields_set and getattr(announcement, name) != value:
            setattr(announcement, name, value)
            changed.append(name)
    if "urgent" in data:
        urgent = clean_urgent(data["urgent"])
        if urgent != announcement.urgent:
            announcement.urgent = urgent
            changed.append("urgent")
    if "pinned" in data:
        pinned = clean_pinned(data["pinned"])
        if pinned != announcement.pinned:
            announcement.pinned = pinned
            changed.append("pinned")
    if "expires_at" in data:
        expires_at = clean_expiry(data["expires_at"], local_zone=local_zone, future=False)
        current = as_utc(announcement.expires_at) if announcement.expires_at else None
        if expires_at != current:
            if expires_at is not None and expires_at <= utcnow():
                raise ValidationError(_("The expiry must be in the future."), field="expires_at")
            announcement.expires_at = expires_at
            changed.append("expires_at")
            if expires_at is not None:
                db.session.execute(
                    update(PushMessage)
                    .where(
                        PushMessage.announcement_id == announcement.id,
                        PushMessage.expires_at > expires_at,
                    )
                    .values(expires_at=expires_at),
                    execution_options={"synchronize_session": False},
                )
    if not changed:
        return announcement
    if "title" in changed or "body" in changed:
        announcement.edited_at = utcnow()
    db.session.flush()
    if "title" in changed or "body" in changed:
        # Queued again with the same Topic: a phone not yet reached gets only the new text.
        announcement_posted.send(announcement, commune=commune)
    record(
        account,
        "announcement.edit",
        commune_id=commune.id,
        target_type="announcement",
        target_id=announcement.id,
        detail={"changed": changed},
    )
    return announcement


def list_announcements(
    commune: Commune, *, limit: int = 50, include_expired: bool = False
) -> Sequence[Announcement]:
    """Urgent ones first, then pinned ones, then the newest first; expired ones only if asked
    (officials)."""
    query = (
        select(Announcement)
        .where(Announcement.commune_id == commune.id)
        .order_by(Announcement.urgent.desc(), Announcement.pinned.desc(), Announcement.id.desc())
        .limit(limit)
    )
    if not include_expired:
        query = query.where(
            or_(Announcement.expires_at.is_(None), Announcement.expires_at > utcnow())
        )
    return db.session.scalars(query).all()


def listed_announcements(
    commune: Commune, account: Account | None, *, limit: int = 50
) -> tuple[Sequence[Announcement], bool]:
    """What the caller sees in the list, and whether they are an official (who also sees
    expired announcements and each one's reach)."""
    official = require_member(account, commune) == OFFICIAL
    return list_announcements(commune, limit=limit, include_expired=official), official


def is_expired(announcement: Announcement) -> bool:
    return announcement.expires_at is not None and as_utc(announcement.expires_at) <= utcnow()


def _commune_of(announcement: Announcement) -> Commune:
    commune = db.session.get(Commune, announcement.commune_id)
    assert commune is not None
    return commune


def readable_announcement(announcement_id: int, account: Account | None) -> Announcement:
    """An announcement the caller may read: any member of its commune while it has not
    expired; afterwards the commune's officials only."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(_("This announcement does not exist."))
    role = require_member(account, _commune_of(announcement))
    if role != OFFICIAL and is_expired(announcement):
        raise NotFound(_("This announcement has expired."))
    return announcement


def latest_messages(announcement_ids: Sequence[int]) -> dict[int, PushMessage]:
    """The newest notification of each announcement (an edit queues a new one)."""
    if not announcement_ids:
        return {}
    latest: dict[int, PushMessage] = {}
    for message in db.session.scalars(
        select(PushMessage)
        .where(PushMessage.announcement_id.in_(list(announcement_ids)))
        .order_by(PushMessage.id)
    ):
        assert message.announcement_id is not None
        latest[message.announcement_id] = message
    return latest


def reach(announcements: Sequence[Announcement]) -> dict[int, dict[str, int]]:
    """``{subscriptions, delivered, failed, expired, pending}`` of each announcement's newest
    notification, by announcement id."""
    messages = latest_messages([item.id for item in announcements])
    summaries = delivery_summaries(messages.values())
    return {announcement_id: summaries[m.id] for announcement_id, m in messages.items()}
