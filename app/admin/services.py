"""Business logic of the admin capability: plain functions, explicit arguments, no commit.

Who may do what here:
- admins (``Account.is_admin``) manage the communes of their area (app/communes/areas.py: the
  country, a province or a district): all of this module;
- an official sees the boards and statistics of the communes they serve, nothing else;
- anyone may read a commune's public response figures and accept an invitation they hold.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.accounts import second_factor
from app.accounts.models import Account
from app.accounts.services import create_staff_account, new_password_reset
from app.accounts.sessions import end_sessions
from app.admin.stats import Figures, Report, Window, compute, report
from app.admin.stats import window as make_window
from app.audit.services import record
from app.communes.areas import is_national, managed_clause, manages
from app.communes.errors import Gone
from app.communes.models import DEMO_CODE, Commune
from app.communes.provinces import find_province, fold, official_province
from app.communes.services import count_communes, get_commune, page_of_communes
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationError
from app.extensions import db
from app.membership.models import OFFICIAL, Invitation, Membership
from app.membership.schemas import DisplayName, RequiredDisplayName
from app.membership.services import add_official, communes_served, role_in
from app.models_base import as_utc, utcnow
from app.parsing import MAX_ID
from app.privacy.services import leave
from app.schema.fields import Email
from app.schema.load import Check
from app.schema.text import is_storable
from app.threads.deadlines import overdue_counts

INVITATION_LIFETIME = timedelta(days=7)
MAX_INVITE_COMMUNES = 200
INVITE_NAME_FIELD = Check(DisplayName, "display_name")
ACCEPT_NAME_FIELD = Check(RequiredDisplayName, "display_name")
EMAIL_FIELD = Check(Email, "email")


# --- who may do what --------------------------------------------------------------------------


def require_admin(account: Account | None) -> Account:
    if account is None:
        raise NotAuthenticated()
    if not account.is_admin:
        raise Forbidden(_("Only administrators can do this."))
    return account


def staff_commune(account: Account | None, slug: str) -> Commune:
    """A commune the caller may manage or serve: admins any, officials their own."""
    if account is None:
        raise NotAuthenticated()
    commune = get_commune(slug)
    if account.is_admin and manages(account, commune):
        return commune
    if role_in(account, commune) != OFFICIAL:
        if account.is_admin:
            raise _outside_area()
        raise Forbidden(_("Only officials of this commune and administrators can see this."))
    return commune


def admin_commune(account: Account | None, slug: str) -> Commune:
    """A commune of the admin's area; one outside it does not exist for them (404)."""
    admin = require_admin(account)
    commune = get_commune(slug)
    if not manages(admin, commune):
        raise _outside_area()
    return commune


def _outside_area() -> NotFound:
    return NotFound(_("There is no commune group with this name."))


def managed_communes(
    account: Account, *, province: str | None = None, district: str | None = None
) -> Sequence[Commune]:
    """The communes of an admin's area, optionally of one province (its code, "91", or a
    name: "An Giang", "an giang") or of one former district (history, kept as a filter)."""
    query = (
        select(Commune)
        .where(_area_scope(account, province, district))
        .order_by(Commune.province, Commune.district, Commune.name, Commune.id)
    )
    return db.session.scalars(query).all()


def find_communes(
    account: Account,
    *,
    query: str | None = None,
    province: str | None = None,
    district: str | None = None,
    after_id: int | None = None,
    limit: int,
) -> tuple[Sequence[Commune], int | None]:
    """One page of the admin's communes matching ``query`` (name without diacritics, or code),
    optionally of one province or district, and the next page's cursor (or None)."""
    scope = _area_scope(account, province, district)
    return page_of_communes(scope, query=query, after_id=after_id, limit=limit)


def count_found_communes(
    account: Account,
    *,
    query: str | None = None,
    province: str | None = None,
    district: str | None = None,
) -> int:
    """How many communes ``find_communes`` pages through."""
    return count_communes(_area_scope(account, province, district), query=query)


def _area_scope(account: Account, province: str | None, district: str | None) -> Any:
    require_admin(account)
    scope = managed_clause(account)
    if province is not None:
        scope = scope & _province_clause(province)
    if district is not None:
        scope = scope & (Commune.district == district)
    return scope


def _province_clause(province: str) -> Any:
    """One province: its code ("91") or any spelling of its name in the 2025 list, or else
    communes carrying exactly that name (a province the list does not know)."""
    official = find_province(province)
    if official is None:
        return Commune.province == province
    return or_(
        Commune.province_code == official.code,
        Commune.province_code.is_(None) & (Commune.province == province),
    )


@dataclass(frozen=True)
class ProvinceInArea:
    """A province among an admin's communes: what its links filter by, and how many it has."""

    key: str  # its code in the 2025 list, or the name its communes carry when it has none
    name: str | None
    communes: int
    code: str | None


def provinces_in_area(account: Account) -> list[ProvinceInArea]:
    """The provinces of the admin's communes with their counts, for the console's links (one
    query; communes without a 2025 code are grouped by the name they carry)."""
    require_admin(account)
    rows = db.session.execute(
        select(Commune.province_code, Commune.province, func.count())
        .where(managed_clause(account))
        .group_by(Commune.province_code, Commune.province)
    ).all()
    counts: dict[tuple[str | None, str | None], int] = {}
    for code, name, count in rows:
        official = official_province(code) if code else None
        place = (code, official.name) if official else (None, name)
        counts[place] = counts.get(place, 0) + count
    listed = [
        ProvinceInArea(key=code or name or "", name=name, communes=count, code=code)
        for (code, name), count in counts.items()
    ]
    return sorted(listed, key=lambda item: (item.name is None, fold(item.name or "")))


# --- officials --------------------------------------------------------------------------------


def _above(actor: Account, target: Account) -> bool:
    """An admin serving as an official is out of reach of an area's admins."""
    return target.is_admin and not is_national(actor)


def revoke_official(actor: Account, commune: Commune, account_id: int) -> Account:
    """Remove an official from one commune and sign them out everywhere (not committed)."""
    require_admin(actor)
    target = db.session.get(Account, account_id) if account_id else None
    if target is None or role_in(target, commune) != OFFICIAL or _above(actor, target):
        raise NotFound(_("This person is not an official of this commune."))
    if target.id == actor.id:
        raise Conflict(_("You cannot revoke yourself."))
    leave(target, commune)
    end_sessions(target)
    record(
        actor,
        "official.revoke",
        commune_id=commune.id,
        target_type="account",
        target_id=target.id,
        detail={"email": target.email},
    )
    db.session.flush()
    return target


def revoke_official_everywhere(actor: Account, account_id: int) -> list[Commune]:
    """Remove an official from every commune the admin manages; their sessions end."""
    require_admin(actor)
    target = db.session.get(Account, account_id) if account_id else None
    if target is None or _above(actor, target):
        raise NotFound(_("This person is not an official of any of your communes."))
    managed = {commune.id for commune in managed_communes(actor)}
    memberships = [
        membership
        for membership in db.session.scalars(
            select(Membership).where(
                Membership.account_id == target.id, Membership.role == OFFICIAL
            )
        )
        if membership.commune_id in managed
    ]
    if not memberships:
        raise NotFound(_("This person is not an official of any of your communes."))
    if target.id == actor.id:
        raise Conflict(_("You cannot revoke yourself."))
    communes = [membership.commune for membership in memberships]
    for commune in communes:
        leave(target, commune)
        record(
            actor,
            "official.revoke",
            commune_id=commune.id,
            target_type="account",
            target_id=target.id,
            detail={"email": target.email},
        )
    end_sessions(target)
    db.session.flush()
    return communes


# --- second factor ----------------------------------------------------------------------------


def reset_second_factor(actor: Account, account_id: int) -> Account:
    """An admin turns off someone's second factor (a lost phone); their sessions end."""
    if not actor.is_admin:
        raise Forbidden()
    target = db.session.get(Account, account_id) if 0 < account_id <= MAX_ID else None
    if target is None or not target.is_staff or not _staff_in_area(actor, target):
        raise NotFound(_("There is no staff account with this id."))
    if not target.has_second_factor and target.totp_secret is None:
        raise Conflict(_("This account has no second factor."))
    second_factor.clear(target)
    end_sessions(target)
    # Recorded in each commune they serve, so every admin of those communes sees it.
    for commune_id in [commune.id for commune in communes_served(target)] or [None]:
        record(
            actor,
            "account.second_factor_reset",
            commune_id=commune_id,
            target_type="account",
            target_id=target.id,
        )
    return target


def issue_password_reset(actor: Account, account_id: int) -> tuple[Account, str]:
    """An admin makes a one-time link for a staff member who forgot their password (handed
    over in person or by message: no e-mail needed). Returns the account and the link's token,
    shown once; the account's sessions stay until the new password is set (not committed)."""
    if not actor.is_admin:
        raise Forbidden()
    target = db.session.get(Account, account_id) if 0 < account_id <= MAX_ID else None
    if target is None or not target.is_staff or not _staff_in_area(actor, target):
        raise NotFound(_("There is no staff account with this id."))
    if target.id == actor.id:
        raise Conflict(_("Change your own password on the Sign-in security page."))
    token = new_password_reset(target, actor)
    for commune_id in [commune.id for commune in communes_served(target)] or [None]:
        record(
            actor,
            "account.password_reset_issued",
            commune_id=commune_id,
            target_type="account",
            target_id=target.id,
        )
    return target, token


def password_reset_url(base_url: str, token: str) -> str:
    return f"{base_url}/password-reset/{token}"


def password_reset_mail(target: Account, actor: Account, link: str) -> tuple[str, str]:
    """The subject and body of the mail that carries a reset link: in Vietnamese whatever the
    admin's language, and the link in the body only (subjects show up in notifications)."""
    with force_locale("vi"):
        subject = _("Set a new password")
        body = _(
            "Hello %(name)s,\n\n"
            "%(admin)s made a link for you to set a new password:\n\n"
            "%(link)s\n\n"
            "It works once, for 24 hours. Your current password keeps working until you choose "
            "a new one. If you did not ask for this, ignore this message and tell %(admin)s.",
            name=target.display_name,
            admin=actor.display_name,
            link=link,
        )
    return subject, body


def _staff_in_area(actor: Account, target: Account) -> bool:
    """National admins reach every staff account; an area's admins the officials who serve
    only inside their area (not other admins, not an official another area shares)."""
    if is_national(actor):
        return True
    if target.is_admin:
        return False
    served = communes_served(target)
    return bool(served) and all(manages(actor, commune) for commune in served)


# --- invitations ------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url}/invite/{token}"


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str


def create_invitation(actor: Account, data: Mapping[str, Any]) -> NewInvitation:
    """Invite ``email`` to become an official of ``communes`` (slugs) for 7 days.

    The token (256 random bits) is returned once; only its SHA-256 digest is stored.
    """
    require_admin(actor)
    email = EMAIL_FIELD.clean(data.get("email"))
    display_name = INVITE_NAME_FIELD.clean(data.get("display_name"))
    slugs = data.get("communes")
    if isinstance(slugs, str):
        slugs = [slugs]
    if data.get("codes") and isinstance(slugs, list):
        # Picked by their official codes ("31027 31030"): the same communes, by slug.
        slugs = [*slugs, *(commune.slug for commune in communes_by_codes(actor, data["codes"]))]
    if (
        not isinstance(slugs, list)
        or not slugs
        or len(slugs) > MAX_INVITE_COMMUNES
        or not all(isinstance(slug, str) for slug in slugs)
    ):
        raise ValidationError(
            _("Choose one or more communes (a list of their short names)."), field="communes"
        )
    # Only the communes named, never every commune of the country, to check them.
    managed = {commune.slug: commune for commune in _managed_by_slug(actor, slugs)}
    unknown = [slug for slug in slugs if slug not in managed]
    if unknown:
        raise ValidationError(
            _("Unknown commune: %(slug)s.", slug=unknown[0][:64]), field="communes"
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        display_name=display_name,
        token_hash=_digest(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    invitation.communes = [managed[slug] for slug in dict.fromkeys(slugs)]
    db.session.add(invitation)
    db.session.flush()
    for commune in invitation.communes:
        record(
            actor,
            "invitation.create",
            commune_id=commune.id,
            target_type="invitation",
            target_id=invitation.id,
            detail={"email": email},
        )
    return NewInvitation(invitation=invitation, token=token)


def _managed_by_slug(actor: Account, slugs: Sequence[str]) -> Sequence[Commune]:
    wanted = list(dict.fromkeys(slugs))
    return db.session.scalars(
        select(Commune).where(Commune.slug.in_(wanted), managed_clause(actor))
    ).all()


_CODE_SEPARATORS = re.compile(r"[\s,;]+")


def communes_by_codes(actor: Account, text: str) -> list[Commune]:
    """The admin's communes whose official codes ``text`` lists (``"31027, 31030"``: spaces,
    commas or semicolons between them), in that order; a code of none of them is refused."""
    require_admin(actor)
    codes = list(dict.fromkeys(code for code in _CODE_SEPARATORS.split(text or "") if code))
    if len(codes) > MAX_INVITE_COMMUNES:
        raise ValidationError(
            _("An invitation names at most %(num)d communes.", num=MAX_INVITE_COMMUNES),
            field="codes",
        )
    if not codes:
        return []
    found = {
        commune.code: commune
        for commune in db.session.scalars(
            select(Commune).where(Commune.code.in_(codes), managed_clause(actor))
        )
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(
            _("No commune of yours has the code %(code)s.", code=unknown[0][:16]), field="codes"
        )
    return [found[code] for code in codes]


PICKER_PAGE = 30


@dataclass(frozen=True)
class InvitePicker:
    """What the invitation form offers: the communes chosen so far, and one page of those a
    search finds (name without diacritics or code, in one province), the chosen left out."""

    chosen: list[Commune]
    found: Sequence[Commune]
    matches: int  # how many the search finds, the chosen included
    next_cursor: int | None


def invitation_picker(
    actor: Account,
    *,
    chosen: Sequence[str],
    codes: str | None = None,
    query: str | None = None,
    province: str | None = None,
    after_id: int | None = None,
    limit: int = PICKER_PAGE,
) -> InvitePicker:
    """The form's communes at national scale: never a checkbox for each of the 3,321, but the
    chosen ones (by slug, or typed ``codes``) and a page of a search, as ``page_of_communes``
    pages the console's list. Unknown slugs are dropped (a stale link); unknown codes refused."""
    require_admin(actor)
    picked = {commune.slug: commune for commune in _managed_by_slug(actor, chosen[:500])}
    by_code = communes_by_codes(actor, codes) if codes else []
    ordered = [picked[slug] for slug in dict.fromkeys(chosen) if slug in picked]
    ordered += [commune for commune in by_code if commune.slug not in picked]
    scope = _area_scope(actor, province, None)
    if ordered:
        scope = scope & Commune.id.not_in([commune.id for commune in ordered])
    found, next_cursor = page_of_communes(scope, query=query, after_id=after_id, limit=limit)
    matches = count_communes(_area_scope(actor, province, None), query=query)
    return InvitePicker(chosen=ordered, found=found, matches=matches, next_cursor=next_cursor)


def pending_invitations(actor: Account) -> Sequence[Invitation]:
    """Invitations not yet accepted, revoked or expired, newest first."""
    require_admin(actor)
    now = utcnow()
    pending = db.session.scalars(
        select(Invitation)
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.id.desc())
        .options(selectinload(Invitation.communes))  # one query for every invitation's communes
    ).all()
    return [invitation for invitation in pending if _within_area(actor, invitation)]


def pending_invitations_page(
    actor: Account, *, before_id: int | None, limit: int
) -> tuple[list[Invitation], int | None]:
    """One page of ``pending_invitations`` (newest first, keyset on the id: an invitation made
    or used meanwhile never shifts another to a different page), and the next page's cursor.

    An area's admin sees the invitations whose communes all lie in the area: read in batches
    until the page is full, so a page is never short while more follow."""
    require_admin(actor)
    now = utcnow()
    found: list[Invitation] = []
    last = before_id
    batch = max(limit + 1, 100)
    while len(found) <= limit:
        query = (
            select(Invitation)
            .where(
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.id.desc())
            .limit(batch)
            .options(selectinload(Invitation.communes))
        )
        if last is not None:
            query = query.where(Invitation.id < last)
        rows = db.session.scalars(query).all()
        found += [invitation for invitation in rows if _within_area(actor, invitation)]
        if len(rows) < batch:
            break
        last = rows[-1].id
    page = found[:limit]
    return page, (page[-1].id if len(found) > limit else None)


def _within_area(actor: Account, invitation: Invitation) -> bool:
    """An invitation belongs to an area when every commune it names does."""
    return all(manages(actor, commune) for commune in invitation.communes)


def revoke_invitation(actor: Account, invitation_id: int) -> Invitation:
    """Withdraw an invitation so that its link no longer works (idempotent; not committed)."""
    require_admin(actor)
    invitation = db.session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None or not _within_area(actor, invitation):
        raise NotFound(_("This invitation does not exist."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation was already accepted: revoke the official instead."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        for commune in invitation.communes:
            record(
                actor,
                "invitation.revoke",
                commune_id=commune.id,
                target_type="invitation",
                target_id=invitation.id,
                detail={"email": invitation.email},
            )
        db.session.flush()
    return invitation


def open_invitation(token: object) -> Invitation:
    """The invitation a link carries, if it can still be accepted.

    Unknown: 404. Used, withdrawn or expired: 410, saying which.
    """
    invitation = None
    if isinstance(token, str) and 0 < len(token) <= 128 and is_storable(token):
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.token_hash == _digest(token))
        )
    if invitation is None:
        raise NotFound(
            _("This invitation link is not valid. Ask your administrator for a new one.")
        )
    if invitation.accepted_at is not None:
        raise Gone(_("This invitation was already used. Sign in with your email and password."))
    if invitation.revoked_at is not None:
        raise Gone(_("This invitation was withdrawn. Ask your administrator for a new one."))
    if as_utc(invitation.expires_at) <= utcnow():
        raise Gone(_("This invitation has expired. Ask your administrator for a new one."))
    return invitation


def existing_account(invitation: Invitation) -> Account | None:
    return db.session.scalar(select(Account).where(Account.email == invitation.email))


def accept_invitation(token: object, data: Mapping[str, Any], signed_in: Account | None) -> Account:
    """Use an invitation once: a new official account with the given name and password (or,
    for an email that already has an account, that account while signed in), official of the
    invitation's communes. Not committed; the caller signs the account in after the commit."""
    invitation = open_invitation(token)
    account = existing_account(invitation)
    if account is not None and (signed_in is None or signed_in.id != account.id):
        raise Conflict(
            _(
                "An account with this email already exists. Sign in with it, then open this "
                "link again."
            ),
            field="email",
        )
    if account is None:
        name = ACCEPT_NAME_FIELD.clean(data.get("display_name"))
        password = data.get("password")
        if not isinstance(password, str) or not is_storable(password):
            raise ValidationError(_("Choose a password."), field="password")
    # Claim the invitation in one conditional UPDATE: of two simultaneous uses, one wins.
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Gone(_("This invitation was already used. Sign in with your email and password."))
    if account is None:
        account = create_staff_account(
            invitation.email, password, is_admin=False, display_name=name
        )
    invitation.account_id = account.id
    invitation.accepted_at = now
    for commune in invitation.communes:
        add_official(account, commune)
        record(
            account,
            "invitation.accept",
            commune_id=commune.id,
            target_type="invitation",
            target_id=invitation.id,
            detail={"email": invitation.email},
        )
    db.session.flush()
    return account


# --- statistics -------------------------------------------------------------------------------


def stats_window(weeks: int, timezone: str, now: datetime | None = None) -> Window:
    return make_window(now or utcnow(), weeks, timezone)


def commune_figures(commune: Commune, win: Window) -> Figures:
    return compute([commune], win)[commune.id]


def admin_report(
    actor: Account, win: Window, *, province: str | None = None, district: str | None = None
) -> Report:
    return report(managed_communes(actor, province=province, district=district), win)


@dataclass(frozen=True)
class StatsPage:
    """The statistics of an admin's area (``report``: in total and per province, over every
    commune of the area), and one page of its communes' rows, found by ``q``."""

    report: Report
    rows: list[tuple[Commune, Figures]]
    next_cursor: int | None
    found: int  # how many communes ``q`` finds in the area (what the rows page through)


def admin_report_page(
    actor: Account,
    win: Window,
    *,
    province: str | None = None,
    district: str | None = None,
    query: str | None = None,
    after_id: int | None = None,
    limit: int,
) -> StatsPage:
    """``admin_report`` with its communes a page at a time, as the console's list of communes
    pages them (``page_of_communes``: folded names, keyset on the id); ``query`` narrows the
    rows only, never the totals."""
    whole = admin_report(actor, win, province=province, district=district)
    # The demo commune is in no roll-up (not real use), so in no row either.
    scope = _area_scope(actor, province, district) & or_(
        Commune.code.is_(None), Commune.code != DEMO_CODE
    )
    communes, next_cursor = page_of_communes(scope, query=query, after_id=after_id, limit=limit)
    figures = {commune.id: commune_figures for commune, commune_figures in whole.communes}
    missing = [commune for commune in communes if commune.id not in figures]
    if missing:  # made after the roll-up was read (a commune created meanwhile)
        figures |= compute(missing, win)
    return StatsPage(
        report=whole,
        rows=[(commune, figures[commune.id]) for commune in communes],
        next_cursor=next_cursor,
        found=count_communes(scope, query=query),
    )


@dataclass(frozen=True)
class OverdueCommune:
    commune: Commune
    count: int
    since: datetime  # the earliest deadline its overdue threads missed


def overdue_communes(account: Account, now: datetime) -> list[OverdueCommune]:
    """The communes ``account`` (an admin) manages that have overdue threads, the most first."""
    counts = overdue_counts(now, managed_clause(account))
    communes = db.session.scalars(select(Commune).where(Commune.id.in_(list(counts)))).all()
    rows = [OverdueCommune(c, *counts[c.id]) for c in communes]
    return sorted(rows, key=lambda row: (-row.count, row.since, row.commune.name))
