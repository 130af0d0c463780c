"""Importing the official 2025 list of communes (app/communes/provinces.py).

Since 1 July 2025 Vietnam governs in two tiers: 34 provinces and 3,321 communes, wards and
special zones ("Xã", "Phường", "Đặc khu"), no districts. ``import_official`` creates or updates
every commune of the list, or of one province, matched by code: idempotent, nothing duplicated,
and a commune that left the list is reported, never deleted (it may hold residents' questions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select

from app.accounts.models import Account
from app.audit.services import record
from app.communes.models import DEMO_CODE, Commune
from app.communes.provinces import (
    OfficialCommune,
    OfficialProvince,
    official_provinces,
    province_key,
)
from app.communes.services import new_join_token, slugify, unused_slug
from app.extensions import db
from app.signals import commune_created

# How many codes one ``IN (...)`` asks for: well under SQLite's 999 bound parameters.
CHUNK = 500


@cache
def _shared_slugs() -> frozenset[str]:
    """Slugs that several communes of the country would share ("Xã Tân Phú"): each of those
    communes gets its code in its slug, whatever order provinces are imported in."""
    counts = Counter(
        slugify(commune.name) for province in official_provinces() for commune in province.communes
    )
    return frozenset(slug for slug, count in counts.items() if count > 1)


def official_slug(commune: OfficialCommune, taken: set[str]) -> str:
    """``xa-u-minh-thuong``, or ``phuong-tan-an-31012`` when the name repeats in the country;
    a slug already in use (a commune made by hand) gets the code or a number."""
    base = slugify(commune.name)
    if base in _shared_slugs():
        base = f"{base}-{commune.code}"
    return unused_slug(base, commune.code, taken)


@dataclass
class OfficialImportResult:
    """What an import did; ``missing``: communes of the imported area whose code the list no
    longer has (left as they are)."""

    province: OfficialProvince | None
    created: list[Commune] = field(default_factory=list)
    updated: list[tuple[Commune, dict[str, list[str | None]]]] = field(default_factory=list)
    unchanged: int = 0
    missing: list[Commune] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "province": self.province.code if self.province else None,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "not_in_list": len(self.missing),
        }


def _existing_by_code(codes: Sequence[str]) -> dict[str, Commune]:
    found: dict[str, Commune] = {}
    for start in range(0, len(codes), CHUNK):
        chunk = list(codes[start : start + CHUNK])
        for commune in db.session.scalars(select(Commune).where(Commune.code.in_(chunk))):
            assert commune.code is not None
            found[commune.code] = commune
    return found


def _missing(provinces: Iterable[OfficialProvince], whole_country: bool) -> list[Commune]:
    """Communes with a code, in the imported area, that the list does not have."""
    provinces = list(provinces)
    listed = {commune.code for province in provinces for commune in province.communes}
    query = select(Commune).where(Commune.code.is_not(None), Commune.code != DEMO_CODE)
    candidates = db.session.scalars(query.order_by(Commune.code)).all()
    if not whole_country:
        codes = {province.code for province in provinces}
        keys = {province_key(province.name) for province in provinces}
        candidates = [
            commune
            for commune in candidates
            if commune.province_code in codes
            or (commune.province is not None and province_key(commune.province) in keys)
        ]
    return [commune for commune in candidates if commune.code not in listed]


def import_official(
    province: OfficialProvince | None = None, actor: Account | None = None
) -> OfficialImportResult:
    """Create or update every commune of the list, or of ``province`` (not committed).

    A commune is matched by its code: its name, province and province code follow the list;
    its slug, join token, categories and district (history) stay. A new commune gets a slug
    (``official_slug``), a join token and, through ``commune_created``, the default categories.
    """
    provinces = official_provinces() if province is None else (province,)
    wanted = [(p, commune) for p in provinces for commune in p.communes]
    existing = _existing_by_code([commune.code for _p, commune in wanted])
    taken = set(db.session.scalars(select(Commune.slug)))
    result = OfficialImportResult(province=province)
    for p, official in wanted:
        values = {"name": official.name, "province": p.name, "province_code": p.code}
        commune = existing.get(official.code)
        if commune is None:
            slug = official_slug(official, taken)
            taken.add(slug)
            result.created.append(
                Commune(slug=slug, code=official.code, join_token=new_join_token(), **values)
            )
            continue
        changes = {
            key: [getattr(commune, key), value]
            for key, value in values.items()
            if getattr(commune, key) != value
        }
        if changes:
            for key, (_old, value) in changes.items():
                setattr(commune, key, value)
            result.updated.append((commune, changes))
        else:
            result.unchanged += 1
    # One flush for the communes, then the signal for each (its receivers add the categories),
    # then one flush for all of those: a few round trips instead of thousands.
    db.session.add_all(result.created)
    db.session.flush()
    for commune in result.created:
        commune_created.send(commune)
    db.session.flush()
    result.missing = _missing(provinces, province is None)
    record(actor, "commune.import_official", detail=result.as_dict())
    return result
