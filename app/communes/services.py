"""Creating and editing communes, finding them, their join links and rotating them."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from app.accounts.models import Account
from app.audit.services import record
from app.communes.areas import DISTRICT_FIELD, PROVINCE_FIELD, place_in_area, province_code_of
from app.communes.errors import BoardReplaced
from app.communes.models import Commune, RetiredJoinToken
from app.communes.schemas import CommuneName
from app.communes.search import words
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.parsing import MAX_ID
from app.schema.fields import Slug
from app.schema.load import Check
from app.schema.text import SLUG_PATTERN, is_storable
from app.signals import commune_created
from app.typed_codes import ALPHABET, typed

NAME_FIELD = Check(CommuneName, "name")
SLUG_FIELD = Check(Slug, "slug")
# Administrative codes are digits in Vietnam (e.g. "32014"); allow letters for other schemes.
CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,15}$")
# ``district`` is history since 1 July 2025 (the district the commune was in before the
# two-tier map): kept, shown and editable, but nothing scopes or rolls up by it.
EDITABLE = ("name", "district", "province", "code", "open311_public")


def new_join_token() -> str:
    """128 random bits in 22 URL-safe characters: unguessable, and short, so the board's QR
    code has fewer, larger modules. Older boards' 32-character tokens keep working."""
    return secrets.token_urlsafe(16)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def join_url(base_url: str, commune: Commune) -> str:
    return f"{base_url}/j/{commune.join_token}"


# The typed fallback printed beside the QR code: the commune's code and 4 characters derived
# from its join token ("32014-K7MX"), read in any case, with spaces or dashes. A rotation
# changes it with the token. Boards hang in public: it is for typing, not a secret.
BOARD_CODE_LETTERS = 4


def _code_prefix(commune: Commune) -> str:
    """The commune's administrative code when it is plain letters and digits, else its id."""
    code = commune.code or ""
    return code.upper() if code.isascii() and code.isalnum() else str(commune.id)


def board_code(commune: Commune) -> str:
    """The short, case-free join code printed on the board, e.g. ``32014-K7MX``."""
    digest = hashlib.sha256(f"board code\n{commune.join_token}".encode()).digest()
    letters = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:BOARD_CODE_LETTERS])
    return f"{_code_prefix(commune)}-{letters}"


def typed_join_url(base_url: str, commune: Commune) -> str:
    """The address to type when the QR code cannot be scanned: short, any case."""
    return f"{base_url}/j/{board_code(commune)}"


def find_by_board_code(value: object) -> Commune | None:
    """The commune whose board code was typed (any case, spaces and dashes ignored)."""
    code = typed(value, longest=40)
    if not code or len(code) <= BOARD_CODE_LETTERS or not (code.isascii() and code.isalnum()):
        return None
    prefix = code[:-BOARD_CODE_LETTERS]
    by_id = prefix.isdigit() and len(prefix) <= 18 and int(prefix) <= MAX_ID
    candidates = db.session.scalars(
        select(Commune).where(
            or_(func.upper(Commune.code) == prefix, Commune.id == int(prefix) if by_id else false())
        )
    )
    for commune in candidates:
        if hmac.compare_digest(board_code(commune).replace("-", ""), code):
            return commune
    return None


def clean_open311_public(value: Any) -> bool:
    """Whether Open311 publishes the commune's public reports: true or false."""
    if not isinstance(value, bool):
        raise ValidationError(_("Give true or false."), field="open311_public")
    return value


def clean_code(value: Any, *, required: bool = False) -> str | None:
    """An administrative code: 1 to 16 letters, digits, dots, hyphens or underscores."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(_("The code is required."), field="code")
        return None
    if not isinstance(value, str) or not CODE_PATTERN.match(value.strip()):
        raise ValidationError(
            _("The code may use only letters, digits, '.', '-' and '_', up to 16 characters."),
            field="code",
        )
    return value.strip()


def _code_taken(code: str | None, commune: Commune | None = None) -> None:
    if code is None:
        return
    query = select(Commune.id).where(Commune.code == code)
    if commune is not None:
        query = query.where(Commune.id != commune.id)
    if db.session.scalar(query) is not None:
        raise Conflict(_("Another commune already has the code %(code)s.", code=code), field="code")


def _add_commune(slug: str, name: str, **fields: str | None) -> Commune:
    commune = Commune(slug=slug, name=name, join_token=new_join_token(), **fields)
    db.session.add(commune)
    db.session.flush()
    commune_created.send(commune)  # categories are seeded by a receiver (app/threads)
    return commune


def create_commune(
    slug: object,
    name: object,
    *,
    code: object = None,
    district: object = None,
    province: object = None,
    province_code: str | None = None,
) -> Commune:
    """Add a commune group (not committed); ``province_code`` defaults to the code of the
    official province ``province`` names, if any."""
    clean = SLUG_FIELD.clean(slug)
    clean_name = NAME_FIELD.clean(name)
    assert clean_name is not None
    clean_province = PROVINCE_FIELD.clean(province)
    fields = {
        "code": clean_code(code),
        "district": DISTRICT_FIELD.clean(district),
        "province": clean_province,
        "province_code": province_code or province_code_of(clean_province),
    }
    if db.session.scalar(select(Commune.id).where(Commune.slug == clean)) is not None:
        raise Conflict(_("A commune with this short name already exists."), field="slug")
    _code_taken(fields["code"])
    return _add_commune(clean, clean_name, **fields)


def create_commune_as(actor: Account, data: Mapping[str, Any]) -> Commune:
    """An admin adds a commune; without a slug, one is made from the name (not committed)."""
    slug = data.get("slug")
    if slug is None or (isinstance(slug, str) and not slug.strip()):
        name = NAME_FIELD.clean(data.get("name"))
        assert name is not None
        slug = unused_slug(slugify(name), clean_code(data.get("code")))
    province, province_code = place_in_area(actor, PROVINCE_FIELD.clean(data.get("province")))
    commune = create_commune(
        slug,
        data.get("name"),
        code=data.get("code"),
        district=data.get("district"),
        province=province,
        province_code=province_code,
    )
    record(
        actor,
        "commune.create",
        commune_id=commune.id,
        target_type="commune",
        target_id=commune.id,
        detail={"slug": commune.slug, "code": commune.code},
    )
    return commune


def update_commune(commune: Commune, actor: Account, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change a commune's name, district, province, code or Open311 publication; only the keys
    given are touched.

    ``None`` or an empty string clears district, province and code; the name is required.
    Returns the changes as ``{field: [old, new]}`` (not committed).
    """
    cleaners = {
        "name": NAME_FIELD.clean,
        "district": DISTRICT_FIELD.clean,
        "province": PROVINCE_FIELD.clean,
        "code": clean_code,
        "open311_public": clean_open311_public,
    }
    new_values = {key: cleaners[key](data[key]) for key in EDITABLE if key in data}
    if "province" in new_values:
        # An admin of a province cannot move a commune out of it; the code follows the name.
        new_values["province"], new_values["province_code"] = place_in_area(
            actor, new_values["province"]
        )
    if "code" in new_values:
        _code_taken(new_values["code"], commune)
    changes = {
        key: [getattr(commune, key), value]
        for key, value in new_values.items()
        if getattr(commune, key) != value
    }
    for key, (_old, value) in changes.items():
        setattr(commune, key, value)
    if changes:
        db.session.flush()
        record(
            actor,
            "commune.update",
            commune_id=commune.id,
            target_type="commune",
            target_id=commune.id,
            detail=changes,
        )
    return changes


def get_commune(slug: str) -> Commune:
    commune = None
    if SLUG_PATTERN.fullmatch(slug):
        commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
    if commune is None:
        raise NotFound(_("There is no commune group with this name."))
    return commune


def find_by_token(token: object) -> Commune:
    """The commune a QR board's token (or the short code printed beside it) belongs to.

    A token replaced by a rotation raises ``BoardReplaced`` (410): the person holds an old
    board and should look for the new one; an unknown token is ``NotFound`` (404).
    """
    commune = None
    valid = isinstance(token, str) and 0 < len(token) <= 64 and is_storable(token)
    if valid:
        assert isinstance(token, str)
        commune = db.session.scalar(select(Commune).where(Commune.join_token == token))
        if commune is None:
            _refuse_retired(token_digest(token))
            commune = find_by_board_code(token)
        if commune is None:
            # An old board's short code, typed from a board that was replaced.
            code = typed(token, longest=40)
            if code:
                _refuse_retired(_board_code_digest(code))
    if commune is None:
        raise NotFound(
            _(
                "This join code is not valid. Please scan the QR board at your commune's "
                "service center again."
            )
        )
    return commune


def _board_code_digest(code: str) -> str:
    """What is kept of a retired board code: its digest, apart from the tokens' digests."""
    return token_digest(f"board code\n{code}")


def _refuse_retired(digest: str) -> None:
    """Raise ``BoardReplaced`` when ``digest`` is a retired token's or board code's."""
    retired = db.session.scalar(
        select(Commune)
        .join(RetiredJoinToken, RetiredJoinToken.commune_id == Commune.id)
        .where(RetiredJoinToken.token_hash == digest)
    )
    if retired is not None:
        raise BoardReplaced(
            retired.name,
            _(
                "This QR board was replaced by a new one. Please scan the new board "
                "of %(commune)s: it hangs at the commune's public administrative "
                "service center.",
                commune=retired.name,
            ),
        )


def rotate_join_token(commune: Commune, actor: Account | None) -> str:
    """Give the commune a new join token (a new board); the old token and the old board's short
    code answer 410 from now on.

    Members who joined with the old token keep their membership. Returns the new token.
    """
    old_code = board_code(commune).replace("-", "")
    db.session.add(
        RetiredJoinToken(commune_id=commune.id, token_hash=token_digest(commune.join_token))
    )
    code_digest = _board_code_digest(old_code)
    # Four letters repeat once in 19^4 rotations: a code retired twice is kept once.
    if (
        db.session.scalar(
            select(RetiredJoinToken.id).where(RetiredJoinToken.token_hash == code_digest)
        )
        is None
    ):
        db.session.add(RetiredJoinToken(commune_id=commune.id, token_hash=code_digest))
    commune.join_token = new_join_token()
    db.session.flush()
    record(
        actor,
        "commune.rotate_token",
        commune_id=commune.id,
        target_type="commune",
        target_id=commune.id,
    )
    return commune.join_token


# --- slugs made from names -------------------------------------------------------------------


def slugify(name: str) -> str:
    """``"Xã U Minh Thượng"`` → ``"xa-u-minh-thuong"``: ASCII, no diacritics, at most 56
    characters (room for a suffix)."""
    text = name.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    text = text[:56].rstrip("-")
    return text or "xa"


def unused_slug(base: str, code: str | None = None, taken: set[str] | None = None) -> str:
    """``base`` if free; else ``base-<code>``; else ``base-2``, ``base-3``, ...

    ``taken``, when given, is every slug in use (an import passes the existing ones and those
    of its earlier rows); otherwise the database is asked.
    """

    def free(slug: str) -> bool:
        if taken is not None:
            return slug not in taken
        return db.session.scalar(select(Commune.id).where(Commune.slug == slug)) is None

    candidates = [base]
    if code:
        suffix = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")
        if suffix:
            candidates.append(f"{base}-{suffix}"[:64].rstrip("-"))
    for candidate in candidates:
        if free(candidate):
            return candidate
    number = 2
    while not free(f"{base}-{number}"):
        number += 1
    return f"{base}-{number}"


# --- finding communes among thousands -----------------------------------------------------------

# An administrative code is what an admin types as digits: "31027", or "310" for its first ones.
CODE_QUERY = re.compile(r"^[0-9A-Za-z]{1,16}$")


def search_clause(query: str | None) -> ColumnElement[bool]:
    """Communes whose folded name has a word starting with each word of ``query`` (any order;
    "u minh thuong", "phuong"), or whose code starts with it ("31027", "310"). Empty: every
    commune."""
    terms = words(query)
    if not terms:
        return true()
    # Each word starts a word of the name: "u" finds "Xã U Minh Thượng", not every "thuong".
    by_name = and_(
        *(
            or_(
                Commune.search_name.startswith(term, autoescape=True),
                Commune.search_name.contains(" " + term, autoescape=True),
            )
            for term in terms
        )
    )
    text = (query or "").strip()
    if CODE_QUERY.match(text):
        return or_(by_name, Commune.code.startswith(text, autoescape=True))
    return by_name


def count_communes(scope: ColumnElement[bool], *, query: str | None) -> int:
    """How many communes in ``scope`` match ``query`` (the list's "N communes")."""
    statement = select(func.count(Commune.id)).where(scope, search_clause(query))
    return db.session.scalar(statement) or 0


def page_of_communes(
    scope: ColumnElement[bool], *, query: str | None, after_id: int | None, limit: int
) -> tuple[Sequence[Commune], int | None]:
    """One page of the communes in ``scope`` matching ``query``, in the order of their folded
    names (then id, so the order is total), and the cursor of the next page (or None).

    Keyset paging: the cursor is the last commune's id and the next page starts after its
    (search_name, id), so a commune added or removed meanwhile never shifts a row to another
    page (skipped or shown twice), as an offset would.
    """
    statement = select(Commune).where(scope, search_clause(query))
    if after_id is not None:
        last = db.session.get(Commune, after_id) if 0 < after_id <= MAX_ID else None
        if last is None:
            raise ValidationError(
                _("This page of the list no longer exists: start again from the first page."),
                field="cursor",
            )
        statement = statement.where(
            or_(
                Commune.search_name > last.search_name,
                and_(Commune.search_name == last.search_name, Commune.id > last.id),
            )
        )
    rows = db.session.scalars(
        statement.order_by(Commune.search_name, Commune.id).limit(limit + 1)
    ).all()
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)
