"""Joining a commune by its token, and the one question every rule asks: what is your role?"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, bindparam, select

from app.accounts.models import Account
from app.communes.areas import managed_clause
from app.communes.models import Commune
from app.communes.services import find_by_token, get_commune
from app.errors import Forbidden, NotAuthenticated
from app.extensions import db
from app.membership.models import OFFICIAL, RESIDENT, Membership
from app.membership.schemas import DisplayName
from app.schema.load import Check
from app.schema.text import SLUG_PATTERN

DISPLAY_NAME_FIELD = Check(DisplayName, "display_name")


def default_display_name() -> str:
    """A friendly name for people who do not give one ("Người dân 4821")."""
    return _("Resident %(number)04d", number=secrets.randbelow(10_000))


@dataclass(frozen=True)
class JoinResult:
    account: Account
    membership: Membership
    created: bool


def join(token: object, display_name: object, account: Account | None) -> JoinResult:
    """Make ``account`` (or a new resident account) a member of the token's commune.

    Joining again is harmless; an official who scans their own commune's board stays official.
    """
    commune = find_by_token(token)
    name = DISPLAY_NAME_FIELD.clean(display_name)
    if account is None:
        account = Account(display_name=name or default_display_name())
        db.session.add(account)
        db.session.flush()
    elif name:
        account.display_name = name
    membership = membership_of(account, commune)
    created = membership is None
    if membership is None:
        membership = Membership(account=account, commune=commune, role=RESIDENT)
        db.session.add(membership)
        db.session.flush()
    return JoinResult(account=account, membership=membership, created=created)


def membership_of(account: Account | None, commune: Commune) -> Membership | None:
    if account is None:
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.account_id == account.id, Membership.commune_id == commune.id
        )
    )


def role_in(account: Account | None, commune: Commune) -> str | None:
    """``official``, ``resident`` or None: the single source of every permission."""
    if account is None:
        return None
    # The role alone: loading the membership would join its account and commune as well.
    return db.session.scalar(
        select(Membership.role).where(
            Membership.account_id == account.id, Membership.commune_id == commune.id
        )
    )


def require_member(account: Account | None, commune: Commune) -> str:
    """The caller's role in ``commune``; 401 when signed out, 403 when not a member."""
    if account is None:
        raise NotAuthenticated()
    role = role_in(account, commune)
    if role is None:
        raise Forbidden(_("You are not a member of this commune group."))
    return role


def require_official(account: Account | None, commune: Commune) -> None:
    if require_member(account, commune) != OFFICIAL:
        raise Forbidden(_("Only officials of this commune can do this."))


@functools.cache
def _commune_and_role() -> Select:
    # Built once per process: building the expression costs more than running it.
    return (
        select(Commune, Membership.role)
        .outerjoin(
            Membership,
            and_(
                Membership.commune_id == Commune.id,
                Membership.account_id == bindparam("account_id"),
            ),
        )
        .where(Commune.slug == bindparam("slug"))
    )


def member_commune(slug: str, account: Account | None) -> tuple[Commune, str]:
    """Look up a commune by slug and the caller's role in it, in one query for routes: 404
    for no such commune, 401 when signed out, 403 when not a member."""
    if account is None or not SLUG_PATTERN.fullmatch(slug):
        commune = get_commune(slug)  # the 404 first, as for anyone
        return commune, require_member(account, commune)
    row = db.session.execute(_commune_and_role(), {"slug": slug, "account_id": account.id}).first()
    if row is None:
        get_commune(slug)  # raises NotFound
    commune, role = row
    if role is None:
        raise Forbidden(_("You are not a member of this commune group."))
    return commune, role


class ReadMembership(NamedTuple):
    """What the read path needs of a commune and the reader's place in it."""

    commune_id: int
    read_version: int
    join_token: str
    role: str


@functools.cache
def _read_membership() -> Select:
    # Columns only, no ORM entities: the read path's cached answers need no more.
    return (
        select(Commune.id, Commune.read_version, Commune.join_token, Membership.role)
        .select_from(
            Commune.__table__.outerjoin(
                Membership.__table__,
                and_(
                    Membership.commune_id == Commune.id,
                    Membership.account_id == bindparam("account_id"),
                ),
            )
        )
        .where(Commune.slug == bindparam("slug"))
    )


def read_membership(slug: str, account_id: int | None) -> ReadMembership:
    """``member_commune`` for the read path, in one indexed lookup without loading the
    commune or the account: the same 404, 401 and 403."""
    if account_id is None:
        get_commune(slug)  # the 404 first, as for anyone
        raise NotAuthenticated()
    if not SLUG_PATTERN.fullmatch(slug):
        get_commune(slug)  # raises NotFound
    statement = _read_membership()
    params = {"slug": slug, "account_id": account_id}
    row = db.session.connection().execute(statement, params).first()
    if row is None:
        get_commune(slug)  # raises NotFound
    assert row is not None
    if row.role is None:
        raise Forbidden(_("You are not a member of this commune group."))
    return ReadMembership(*row)


def memberships_of(account: Account) -> Sequence[Membership]:
    return db.session.scalars(
        select(Membership)
        .where(Membership.account_id == account.id)
        .order_by(Membership.created_at, Membership.id)
    ).all()


def officials_of(commune: Commune) -> Sequence[Account]:
    """The commune's officials, by name."""
    return db.session.scalars(
        select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.commune_id == commune.id, Membership.role == OFFICIAL)
        .order_by(Account.display_name, Account.id)
    ).all()


def communes_served(account: Account) -> Sequence[Commune]:
    """The communes where ``account`` is an official, by name (none for a resident)."""
    return db.session.scalars(
        select(Commune)
        .join(Membership, Membership.commune_id == Commune.id)
        .where(Membership.account_id == account.id, Membership.role == OFFICIAL)
        .order_by(Commune.name, Commune.id)
    ).all()


def communes_for_clause(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on ``Commune`` for ``communes_for(account)``, to page and search them."""
    if account.is_admin:
        return managed_clause(account)
    served = select(Membership.commune_id).where(
        Membership.account_id == account.id, Membership.role == OFFICIAL
    )
    return Commune.id.in_(served)


def communes_for(account: Account) -> Sequence[Commune]:
    """Admins the communes of their area; officials the ones they serve."""
    if account.is_admin:
        return db.session.scalars(
            select(Commune).where(managed_clause(account)).order_by(Commune.name, Commune.id)
        ).all()
    return communes_served(account)


def add_official(account: Account, commune: Commune) -> Membership:
    """Make ``account`` an official of ``commune`` (promoting a resident membership)."""
    membership = membership_of(account, commune)
    if membership is None:
        membership = Membership(account=account, commune=commune, role=OFFICIAL)
        db.session.add(membership)
    else:
        membership.role = OFFICIAL
    db.session.flush()
    return membership
