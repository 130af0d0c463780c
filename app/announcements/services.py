"""Posting and listing a commune's announcements."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.membership.services import require_member, require_official
from app.push.services import queue_announcement
from app.validation import TextField, clean_fields

ANNOUNCEMENT_FIELDS = (
    TextField("title", lazy_gettext("The title"), max_len=200, multiline=False),
    TextField("body", lazy_gettext("The text"), max_len=4000),
)


def post_announcement(commune: Commune, account: Account | None, data: object) -> Announcement:
    """An official posts to every member of the commune (not committed)."""
    require_official(account, commune)
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    fields = clean_fields(data, ANNOUNCEMENT_FIELDS)
    announcement = Announcement(
        commune_id=commune.id, author=account, title=fields["title"], body=fields["body"]
    )
    db.session.add(announcement)
    db.session.flush()
    queue_announcement(announcement, commune)
    return announcement


def list_announcements(commune: Commune, *, limit: int = 50) -> Sequence[Announcement]:
    """The newest announcements first."""
    return db.session.scalars(
        select(Announcement)
        .where(Announcement.commune_id == commune.id)
        .order_by(Announcement.id.desc())
        .limit(limit)
    ).all()


def readable_announcement(announcement_id: int, account: Account | None) -> Announcement:
    """An announcement the caller may read: any member of its commune."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(_("This announcement does not exist."))
    commune = db.session.get(Commune, announcement.commune_id)
    assert commune is not None
    require_member(account, commune)
    return announcement
