"""Which communes an admin manages: the whole country, one province, or one district of it.

An admin's scope is ``Account.admin_province`` and ``Account.admin_district``: both empty for a
national admin. Every admin list and every admin action on a commune goes through these two
functions, so a province's staff never see or touch another province's communes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, true

from app.accounts.models import Account
from app.communes.models import Commune
from app.communes.schemas import District, Province
from app.errors import ValidationError
from app.schema.load import Check

# The names of an area, as a commune carries them (and an admin's scope repeats them).
DISTRICT_FIELD = Check(District, "district")
PROVINCE_FIELD = Check(Province, "province")


def managed_clause(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on ``Commune`` for the communes ``account`` (an admin) manages."""
    clause: ColumnElement[bool] = true()
    if account.admin_province is not None:
        clause = clause & (Commune.province == account.admin_province)
    if account.admin_district is not None:
        clause = clause & (Commune.district == account.admin_district)
    return clause


def manages(account: Account, commune: Commune) -> bool:
    """True if ``account`` is an admin whose scope holds ``commune``."""
    if not account.is_admin:
        return False
    if account.admin_province is not None and commune.province != account.admin_province:
        return False
    return account.admin_district is None or commune.district == account.admin_district


def is_national(account: Account) -> bool:
    return account.is_admin and account.admin_province is None and account.admin_district is None


def area_name(account: Account) -> str:
    """ "Châu Thành, An Giang", "An Giang" or "" (national)."""
    return ", ".join(part for part in (account.admin_district, account.admin_province) if part)


def place_in_area(
    account: Account, province: str | None, district: str | None
) -> tuple[str | None, str | None]:
    """The province and district of a commune that ``account`` creates or edits.

    Left empty, they become the admin's area; given, they must lie inside it.
    """
    if account.admin_province is None:
        return province, district
    outside = _("You manage the communes of %(area)s only.", area=area_name(account))
    if province is None:
        province = account.admin_province
    elif province != account.admin_province:
        raise ValidationError(outside, field="province")
    if account.admin_district is not None:
        if district is None:
            district = account.admin_district
        elif district != account.admin_district:
            raise ValidationError(outside, field="district")
    return province, district


def set_area(account: Account, province: str | None, district: str | None) -> None:
    """Limit an admin to a province, or a district of it (names as the communes carry them)."""
    province = PROVINCE_FIELD.clean(province)
    district = DISTRICT_FIELD.clean(district)
    if district is not None and province is None:
        # District names repeat from one province to the next ("Châu Thành").
        raise ValidationError(_("Give the province of this district too."), field="province")
    account.admin_province, account.admin_district = province, district
