"""A commune's canned replies: ready-made answers officials put into a reply with one click."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import NotFound, ValidationError, as_object, require_signed_in
from app.extensions import db
from app.membership.services import require_official, role_in
from app.threads.services import BODY_LIMIT
from app.validation import TextField, clean_fields
from app.workspace.models import CannedReply

CANNED_FIELDS = (
    TextField("title", lazy_gettext("The title"), max_len=80, multiline=False),
    TextField("body", lazy_gettext("The text"), max_len=BODY_LIMIT),
)


def canned_replies(commune: Commune, account: Account | None) -> Sequence[CannedReply]:
    require_official(account, commune)
    return db.session.scalars(
        select(CannedReply)
        .where(CannedReply.commune_id == commune.id)
        .order_by(func.lower(CannedReply.title), CannedReply.id)
    ).all()


def create_canned_reply(commune: Commune, account: Account | None, data: object) -> CannedReply:
    require_official(account, commune)
    fields = clean_fields(as_object(data), CANNED_FIELDS)
    assert account is not None
    canned = CannedReply(
        commune_id=commune.id, title=fields["title"], body=fields["body"], author_id=account.id
    )
    db.session.add(canned)
    db.session.flush()
    return canned


def official_canned_reply(canned_id: int, account: Account | None) -> CannedReply:
    """A canned reply of a commune the caller serves (404 if the caller is not a member)."""
    account = require_signed_in(account)
    canned = db.session.get(CannedReply, canned_id)
    commune = db.session.get(Commune, canned.commune_id) if canned else None
    if canned is None or commune is None or role_in(account, commune) is None:
        raise NotFound(_("This canned reply does not exist."))
    require_official(account, commune)
    return canned


def update_canned_reply(canned_id: int, account: Account | None, data: object) -> CannedReply:
    canned = official_canned_reply(canned_id, account)
    data = as_object(data)
    fields = [field for field in CANNED_FIELDS if field.name in data]
    if not fields:
        raise ValidationError(_("Send a title or a text to change."))
    for name, value in clean_fields(data, fields).items():
        setattr(canned, name, value)
    db.session.flush()
    return canned


def delete_canned_reply(canned_id: int, account: Account | None) -> None:
    db.session.delete(official_canned_reply(canned_id, account))
    db.session.flush()
