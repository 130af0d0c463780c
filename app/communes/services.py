"""Creating communes, finding them, and their join links."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import Conflict, NotFound
from app.extensions import db
from app.feedback.categories import add_default_categories
from app.membership.models import OFFICIAL, Membership
from app.validation import SLUG_PATTERN, TextField, clean_slug, is_storable

NAME_FIELD = TextField("name", lazy_gettext("The commune name"), max_len=120, multiline=False)


def new_join_token() -> str:
    """192 random bits, URL-safe: unguessable, and short enough for a QR code."""
    return secrets.token_urlsafe(24)


def join_url(base_url: str, commune: Commune) -> str:
    return f"{base_url}/j/{commune.join_token}"


def create_commune(slug: object, name: object) -> Commune:
    """Add a commune group (not committed)."""
    clean = clean_slug(slug)
    clean_name = NAME_FIELD.clean(name)
    if db.session.scalar(select(Commune.id).where(Commune.slug == clean)) is not None:
        raise Conflict(_("A commune with this short name already exists."), field="slug")
    commune = Commune(slug=clean, name=clean_name, join_token=new_join_token())
    db.session.add(commune)
    db.session.flush()
    add_default_categories(commune)
    return commune


def get_commune(slug: str) -> Commune:
    commune = None
    if SLUG_PATTERN.match(slug):
        commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
    if commune is None:
        raise NotFound(_("There is no commune group with this name."))
    return commune


def find_by_token(token: object) -> Commune:
    """The commune a QR board's token belongs to."""
    commune = None
    if isinstance(token, str) and 0 < len(token) <= 64 and is_storable(token):
        commune = db.session.scalar(select(Commune).where(Commune.join_token == token))
    if commune is None:
        raise NotFound(
            _(
                "This join code is not valid. Please scan the QR board at your commune's "
                "service center again."
            )
        )
    return commune


def communes_for(account: Account) -> Sequence[Commune]:
    """Admins manage every commune; officials see the ones they serve."""
    query = select(Commune).order_by(Commune.name, Commune.id)
    if not account.is_admin:
        query = query.join(Membership, Membership.commune_id == Commune.id).where(
            Membership.account_id == account.id, Membership.role == OFFICIAL
        )
    return db.session.scalars(query).all()
