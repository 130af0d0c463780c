"""Importing many communes from a CSV file: all rows or none.

Columns ``code, name, district, province`` (any order, extra columns ignored; Vietnamese
headers such as ``mã, tên, huyện, tỉnh`` are understood too). Since the 2025 two-tier map the
district is history only (the commune's former district, kept and shown, no level); a province
of the official list gives the commune its province code. The whole official list is imported
by ``flask communes import-official`` instead (app/communes/official.py).

UTF-8 with or without a byte order mark; comma or semicolon separated. A row whose code
already exists updates that commune instead of adding a second one. Every bad row is reported
with its line number and nothing of the file is applied.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.accounts.models import Account
from app.audit.services import record
from app.communes.areas import (
    DISTRICT_FIELD,
    PROVINCE_FIELD,
    manages,
    place_in_area,
    province_code_of,
)
from app.communes.models import Commune
from app.communes.services import (
    NAME_FIELD,
    clean_code,
    new_join_token,
    slugify,
    unused_slug,
)
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.signals import commune_created

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Enough to fix a file in one go without an answer the size of the file.
MAX_REPORTED = 100
HEADER_ALIASES = {
    "code": "code",
    "ma": "code",
    "ma xa": "code",
    "ma dvhc": "code",
    "name": "name",
    "ten": "name",
    "ten xa": "name",
    "district": "district",
    "huyen": "district",
    "quan huyen": "district",
    "quan/huyen": "district",
    "province": "province",
    "tinh": "province",
    "tinh/thanh pho": "province",
    "tinh thanh": "province",
}


class ImportRejected(ValidationError):
    """The file was not applied; ``rows`` says which lines are wrong and why."""

    default_message = lazy_gettext("The file was not imported: fix the lines below and try again.")

    def __init__(self, rows: list[dict[str, Any]], message: Any = None) -> None:
        self.rows = rows
        super().__init__(message)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    slugs: list[str] = field(default_factory=list)
    # What the import made and changed, for the page and the command to list.
    made: list[Commune] = field(default_factory=list)
    changed: list[Commune] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    district: str | None
    province: str | None
    province_code: str | None
    # Which of district and province the file has columns for: a missing column leaves an
    # existing commune's value as it is (a file of codes and names must not wipe districts).
    places_given: frozenset[str] = frozenset({"district", "province"})


def _header_key(text: str) -> str:
    plain = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", plain)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.lower().split())


def decode(data: bytes) -> str:
    """UTF-8, with or without a byte order mark; a wrong encoding names the line."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(
            [],
            _("The file is too large (at most %(n)d MB).", n=MAX_BYTES // (1024 * 1024)),
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [{"line": line, "message": _("This line is not valid UTF-8 text.")}],
            _('The file must be saved as UTF-8 (in Excel: "CSV UTF-8").'),
        ) from None


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def parse(text: str) -> list[_Row]:
    """Check every line; raise ``ImportRejected`` listing all the bad ones."""
    if "\x00" in text:
        raise ImportRejected([], _("The file contains characters that are not allowed."))
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ImportRejected([], _("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    errors: list[dict[str, Any]] = []
    rows: list[_Row] = []
    positions: dict[str, int] | None = None
    seen_codes: dict[str, int] = {}
    width = 0
    line = 1  # the physical line the next record starts on
    try:
        for record_ in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record_):
                continue
            if positions is None:
                positions = _header_positions(record_, start)
                width = len(record_)
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise ImportRejected(
                    [{"line": start, "message": _("Too many rows (at most %(n)d).", n=MAX_ROWS)}]
                )
            if len(record_) != width:
                errors.append(
                    {
                        "line": start,
                        "message": _(
                            "This line has %(found)d columns; the header has %(expected)d.",
                            found=len(record_),
                            expected=width,
                        ),
                    }
                )
                continue
            try:
                row = _clean_row(record_, positions, start)
            except DomainError as error:
                errors.append({"line": start, "message": error.message})
                continue
            if row.code in seen_codes:
                errors.append(
                    {
                        "line": start,
                        "message": _(
                            "The code %(code)s is already used on line %(line)d.",
                            code=row.code,
                            line=seen_codes[row.code],
                        ),
                    }
                )
                continue
            seen_codes[row.code] = start
            rows.append(row)
    except csv.Error as error:
        errors.append(
            {"line": reader.line_num, "message": _("This line cannot be read: %(e)s", e=error)}
        )
    if errors:
        raise ImportRejected(errors[:MAX_REPORTED])
    if not rows:
        raise ImportRejected([], _("The file has a header but no communes."))
    return rows


def _header_positions(record_: list[str], line: int) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(record_):
        key = HEADER_ALIASES.get(_header_key(cell))
        if key and key not in positions:
            positions[key] = index
    missing = [name for name in ("code", "name") if name not in positions]
    if missing:
        raise ImportRejected(
            [
                {
                    "line": line,
                    "message": _(
                        "The first line must name the columns: code, name, district, province "
                        "(missing: %(missing)s).",
                        missing=", ".join(missing),
                    ),
                }
            ]
        )
    return positions


def _clean_row(record_: list[str], positions: dict[str, int], line: int) -> _Row:
    def cell(name: str) -> str | None:
        index = positions.get(name)
        return record_[index] if index is not None else None

    code = clean_code(cell("code"), required=True)
    name = NAME_FIELD.clean(cell("name"))
    province = PROVINCE_FIELD.clean(cell("province"))
    assert code is not None and name is not None
    return _Row(
        line=line,
        code=code,
        name=name,
        district=DISTRICT_FIELD.clean(cell("district")),
        province=province,
        province_code=province_code_of(province),
        places_given=frozenset(name for name in ("district", "province") if name in positions),
    )


def _inside_area(rows: list[_Row], existing: dict[str, Commune], actor: Account) -> list[_Row]:
    """Rows an admin of a province may apply, their province filled in where empty; any row
    outside the province rejects the file."""
    placed: list[_Row] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        commune = existing.get(row.code)
        if commune is not None and not manages(actor, commune):
            message = _("The code %(code)s belongs to a commune outside your area.", code=row.code)
            errors.append({"line": row.line, "message": message})
            continue
        try:
            province, province_code = place_in_area(actor, row.province)
        except DomainError as error:
            errors.append({"line": row.line, "message": error.message})
            continue
        placed.append(replace(row, province=province, province_code=province_code))
    if errors:
        raise ImportRejected(errors[:MAX_REPORTED])
    return placed


def import_communes(data: bytes | str, actor: Account | None) -> ImportResult:
    """Apply a whole CSV file (not committed), or raise ``ImportRejected`` and apply nothing.

    A row updates the commune with the same code, else creates one; a new commune's slug is
    made from its name (``xa-u-minh-thuong``), with its code or a number added if taken.
    """
    text = decode(data) if isinstance(data, bytes) else data
    rows = parse(text)
    existing: dict[str, Commune] = {}
    codes = [row.code for row in rows]
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        for commune in db.session.scalars(select(Commune).where(Commune.code.in_(chunk))):
            assert commune.code is not None
            existing[commune.code] = commune
    if actor is not None:
        rows = _inside_area(rows, existing, actor)
    taken = set(db.session.scalars(select(Commune.slug)))
    result = ImportResult()
    created: list[Commune] = []
    for row in rows:
        commune = existing.get(row.code)
        values = {
            "name": row.name,
            "district": row.district,
            "province": row.province,
            "province_code": row.province_code,
        }
        if commune is not None:
            given = {"name", *row.places_given}
            if "province" in row.places_given:
                given.add("province_code")
            values = {k: v for k, v in values.items() if k in given}
        if commune is None:
            slug = unused_slug(slugify(row.name), row.code, taken)
            taken.add(slug)
            created.append(Commune(slug=slug, join_token=new_join_token(), code=row.code, **values))
            result.slugs.append(slug)
        elif any(getattr(commune, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(commune, key, value)
            result.updated += 1
            result.changed.append(commune)
        else:
            result.unchanged += 1
    result.created = len(created)
    result.made = created
    db.session.add_all(created)
    db.session.flush()
    for commune in created:
        commune_created.send(commune)
    db.session.flush()
    record(actor, "commune.import", detail=result.as_dict())
    return result
