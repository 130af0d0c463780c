"""Which communes an admin manages: the whole country, or one province.

Since 1 July 2025 Vietnam has two tiers, provinces and communes: districts are no level any
more (a commune's ``district`` is kept as history only). An admin's scope is
``Account.admin_province_code``, the province's code in the official list ("91"), with its
name in ``Account.admin_province`` for display; both empty for a national admin. An admin whose
province name matched no province of the list when the scope was re-keyed (migration
0021_two_tier_map) keeps the name, and manages the communes that carry exactly that name.

Every admin list and every admin action on a commune goes through these functions, so a
province's staff never see or touch another province's communes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, true

from app.accounts.models import Account
from app.communes.models import Commune
from app.communes.provinces import OfficialProvince, find_province
from app.communes.schemas import District, Province
from app.errors import ValidationError
from app.schema.load import Check

# The names of an area, as a commune carries them (a district is history, not an area).
DISTRICT_FIELD = Check(District, "district")
PROVINCE_FIELD = Check(Province, "province")


def managed_clause(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on ``Commune`` for the communes ``account`` (an admin) manages."""
    if account.admin_province_code is not None:
        return Commune.province_code == account.admin_province_code
    if account.admin_province is not None:
        return Commune.province == account.admin_province
    return true()


def manages(account: Account, commune: Commune) -> bool:
    """True if ``account`` is an admin whose scope holds ``commune``."""
    if not account.is_admin:
        return False
    if account.admin_province_code is not None:
        return commune.province_code == account.admin_province_code
    return account.admin_province is None or commune.province == account.admin_province


def is_national(account: Account) -> bool:
    return (
        account.is_admin and account.admin_province_code is None and account.admin_province is None
    )


def area_name(account: Account) -> str:
    """ "An Giang" or "" (national)."""
    return account.admin_province or ""


def province_code_of(province: str | None) -> str | None:
    """The official code of a province named as a commune carries it ("Tỉnh An Giang")."""
    found = find_province(province) if province else None
    return found.code if found else None


def place_in_area(account: Account, province: str | None) -> tuple[str | None, str | None]:
    """The province name and code of a commune that ``account`` creates or edits.

    Left empty, the province becomes the admin's; given, it must be the admin's (its name in
    any spelling the list recognises: "an giang", "Tỉnh An Giang").
    """
    if is_national(account) or not account.is_admin:
        return province, province_code_of(province)
    if province is None:
        return account.admin_province, account.admin_province_code
    inside = (
        province_code_of(province) == account.admin_province_code
        if account.admin_province_code is not None
        else province == account.admin_province
    )
    if not inside:
        raise ValidationError(
            _("You manage the communes of %(area)s only.", area=area_name(account)),
            field="province",
        )
    return province, province_code_of(province) or account.admin_province_code


def set_area(account: Account, province: str | None) -> OfficialProvince | None:
    """Limit an admin to a province of the official list, by code ("91") or name ("an giang");
    ``None`` makes them national. Returns the province."""
    value = PROVINCE_FIELD.clean(province)
    if value is None:
        account.admin_province = account.admin_province_code = None
        return None
    found = find_province(value)
    if found is None:
        raise ValidationError(
            _("There is no province %(name)s in the 2025 list of 34 provinces.", name=value),
            field="province",
        )
    account.admin_province, account.admin_province_code = found.name, found.code
    return found
