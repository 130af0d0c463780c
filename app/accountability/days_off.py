"""Days off an admin gives a province (a storm, a local decision): no working time counts on
them for its communes' deadlines (app/threads/deadlines.py reads them).

A province is named by its two-digit code in the 2025 list (``vietnam-provinces``), as
``Commune.province_code`` is. National admins manage every province's days off; an admin of a
province (``admin_province_code``) those of theirs. Each change is kept in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accountability.models import DayOff
from app.accountability.schemas import DayOffRequest
from app.accounts.models import Account
from app.audit.services import record
from app.communes.areas import is_national
from app.communes.models import Commune
from app.communes.provinces import official_province
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound, as_object
from app.extensions import db
from app.models_base import insert_once
from app.schema.load import load


def province_name(code: str) -> str:
    """The province's name for a code of the 2025 list; 404 for any other."""
    province = official_province(code)
    if province is None:
        raise NotFound(_("There is no province with the code %(code)s.", code=str(code)[:8]))
    return province.name


def manages_province(account: Account, code: str) -> bool:
    """A national admin, or an admin of exactly this province."""
    if not account.is_admin:
        return False
    if is_national(account):
        return True
    if account.admin_province_code is not None:
        return account.admin_province_code == code
    # An admin whose province name is not in the 2025 list yet: by the name its communes carry.
    return (
        db.session.scalar(
            select(Commune.id)
            .where(Commune.province_code == code, Commune.province == account.admin_province)
            .limit(1)
        )
        is not None
    )


def _require_manager(account: Account | None, code: str) -> str:
    if account is None:
        raise NotAuthenticated()
    name = province_name(code)
    if not manages_province(account, code):
        raise Forbidden(
            _("Only the admins of %(province)s can change its days off.", province=name)
        )
    return name


def days_off(code: str, account: Account | None) -> Sequence[DayOff]:
    """The province's days off, in date order."""
    _require_manager(account, code)
    return db.session.scalars(
        select(DayOff).where(DayOff.province_code == code).order_by(DayOff.day)
    ).all()


def add_day_off(code: str, account: Account | None, data: object) -> DayOff:
    """Give the province a day off (not committed); 409 if it already has that day."""
    _require_manager(account, code)
    assert account is not None
    fields = load(DayOffRequest, as_object(data))
    day_off = DayOff(province_code=code, day=fields.day, name=fields.name, added_by_id=account.id)
    if not insert_once(day_off):
        raise Conflict(_("This day is already a day off in this province."))
    record(
        account,
        "day_off.add",
        target_type="day_off",
        target_id=day_off.id,
        detail={"province_code": code, "day": fields.day.isoformat(), "name": fields.name},
    )
    return day_off


def parse_day(text: str) -> date:
    """A day in a URL (``2026-12-14``): 404 for anything else, as for an unknown day."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else _no_day(text)
    except ValueError:
        return _no_day(text)


def _no_day(text: str) -> date:
    raise NotFound(_("%(day)s is not a day off of this province.", day=text[:10]))


def remove_day_off(code: str, day_text: str, account: Account | None) -> None:
    """Take a day off back (not committed); 404 if the province has no such day off."""
    _require_manager(account, code)
    day = parse_day(day_text)
    found = db.session.scalar(select(DayOff).where(DayOff.province_code == code, DayOff.day == day))
    if found is None:
        _no_day(day_text)
    assert found is not None
    db.session.execute(delete(DayOff).where(DayOff.id == found.id))
    record(
        account,
        "day_off.remove",
        target_type="day_off",
        target_id=found.id,
        detail={"province_code": code, "day": day.isoformat(), "name": found.name},
    )
