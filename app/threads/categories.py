"""A commune's categories (lĩnh vực): the default set, and choosing one when asking."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationError, as_object
from app.extensions import db
from app.membership.models import OFFICIAL
from app.membership.services import require_member, require_official, role_in
from app.parsing import InvalidValue, parse_id, parse_int
from app.schema.load import Check
from app.signals import commune_created
from app.threads.models import Category
from app.threads.schemas import CategoryName
from app.threads.search import fold

# Every new commune starts with these (names in Vietnamese: they are the commune's own data).
DEFAULT_CATEGORIES = (
    ("roads", "Giao thông"),
    ("flooding", "Ngập nước"),
    ("waste", "Rác thải"),
    ("procedures", "Thủ tục hành chính"),
    ("security", "An ninh trật tự"),
    ("other", "Khác"),
)


def add_default_categories(commune: Commune, **_signal_kwargs: object) -> None:
    """Give a new commune the default set (a receiver of ``commune_created``)."""
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(Category(commune_id=commune.id, code=code, name=name, position=position))


def connect_receivers() -> None:
    """Seed every new commune's categories; called by create_app (connecting again is a
    no-op: blinker keeps one connection per receiver)."""
    commune_created.connect(add_default_categories)


def active_categories(commune: Commune) -> Sequence[Category]:
    return db.session.scalars(
        select(Category)
        .where(Category.commune_id == commune.id, Category.archived.is_(False))
        .order_by(Category.position, Category.id)
    ).all()


def clean_category(commune: Commune, value: object) -> Category | None:
    """``category`` in a request: an id of one of this commune's active categories, or empty."""
    if value is None or value == "":
        return None
    message = _("Choose a category from the list.")
    category = db.session.get(Category, parse_id(value, "category", message=message))
    if category is None or category.commune_id != commune.id or category.archived:
        raise ValidationError(_("Choose a category from the list."), field="category")
    return category


# --- officials manage their commune's categories ---------------------------------------------

NAME_FIELD = Check(CategoryName, "name")
# A deadline promised to residents: at least one working hour (or day), at most a season.
DEADLINE_LIMITS = {"response_hours": 200, "resolve_days": 90}


def _deadlines(data: dict) -> dict[str, int]:
    """``response_hours`` and ``resolve_days`` when given, each a whole number from 1."""
    cleaned = {}
    for name, maximum in DEADLINE_LIMITS.items():
        if name in data:
            message = _(
                "%(name)s must be a whole number from 1 to %(maximum)s.",
                name=name,
                maximum=maximum,
            )
            try:
                cleaned[name] = parse_int(
                    data[name], name, minimum=1, maximum=maximum, message=message
                )
            except InvalidValue:
                raise ValidationError(message, field=name) from None
    return cleaned


_CODE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$")


def all_categories(commune: Commune) -> Sequence[Category]:
    """Every category of the commune, archived ones last (officials' view)."""
    return db.session.scalars(
        select(Category)
        .where(Category.commune_id == commune.id)
        .order_by(Category.archived, Category.position, Category.id)
    ).all()


def listed_categories(
    commune: Commune, account: Account | None, *, archived: bool
) -> Sequence[Category]:
    """Members choose among active categories; officials may ask for archived ones too."""
    role = require_member(account, commune)
    if archived and role == OFFICIAL:
        return all_categories(commune)
    return active_categories(commune)


def _code_from(name: str) -> str:
    """A short ASCII code from a name ("Cây xanh" -> "cay-xanh")."""
    code = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:32].strip("-")
    return code or "category"


def _unique_code(commune: Commune, wanted: str, *, exclude_id: int | None = None) -> str:
    taken = set(
        db.session.scalars(
            select(Category.code).where(
                Category.commune_id == commune.id,
                Category.id != (exclude_id or 0),
            )
        )
    )
    code, number = wanted, 2
    while code in taken:
        suffix = f"-{number}"
        code = wanted[: 32 - len(suffix)] + suffix
        number += 1
    return code


def _check_name_free(commune: Commune, name: str, *, exclude_id: int | None = None) -> None:
    clash = db.session.scalar(
        select(Category).where(
            Category.commune_id == commune.id,
            func.lower(Category.name) == name.lower(),
            Category.id != (exclude_id or 0),
        )
    )
    if clash is not None:
        if clash.archived:
            raise Conflict(
                _("An archived category already has this name: restore it instead."),
                field="name",
            )
        raise Conflict(_("A category with this name already exists."), field="name")


def create_category(commune: Commune, account: Account | None, data: object) -> Category:
    """An official adds a category at the end of the list (not committed)."""
    require_official(account, commune)
    data = as_object(data)
    name = NAME_FIELD.clean(data.get("name"))
    assert name is not None
    _check_name_free(commune, name)
    code = data.get("code")
    if code is None or code == "":
        code = _code_from(name)
    elif not isinstance(code, str) or not _CODE.fullmatch(code):  # "$" alone allows a "\n"
        raise ValidationError(
            _("The code may use only a-z, 0-9, hyphens and underscores, up to 32 characters."),
            field="code",
        )
    elif code in set(
        db.session.scalars(select(Category.code).where(Category.commune_id == commune.id))
    ):
        raise Conflict(_("A category with this code already exists."), field="code")
    last = db.session.scalar(
        select(func.max(Category.position)).where(Category.commune_id == commune.id)
    )
    category = Category(
        commune_id=commune.id,
        name=name,
        code=_unique_code(commune, code),
        position=(last if last is not None else -1) + 1,
        archived=False,
        **_deadlines(data),
        personal=_personal(data.get("personal", False)),
    )
    try:
        with db.session.begin_nested():
            db.session.add(category)
            db.session.flush()
    except IntegrityError:
        # The same name added a moment ago by another request.
        raise Conflict(_("A category with this name already exists."), field="name") from None
    return category


def _personal(value: object) -> bool:
    """Whether a category's matters are personal (new questions default to officials only)."""
    if not isinstance(value, bool):
        raise ValidationError(_("personal must be true or false."), field="personal")
    return value


def official_category(category_id: int, account: Account | None) -> tuple[Category, Commune]:
    """A category the caller manages: 404 when it does not exist or belongs to a commune the
    caller is not a member of; 403 for a member who is not an official."""
    if account is None:
        raise NotAuthenticated()
    category = db.session.get(Category, category_id)
    commune = db.session.get(Commune, category.commune_id) if category else None
    if category is None or commune is None or role_in(account, commune) is None:
        raise NotFound(_("This category does not exist."))
    require_official(account, commune)
    return category, commune


def update_category(category_id: int, account: Account | None, data: object) -> Category:
    """Rename, move (``position``: its place among the commune's active categories, from 0),
    archive/restore (``archived``), mark personal (``personal``) a category or change its
    deadlines (``response_hours``, ``resolve_days``: for threads asked from then on) (not
    committed)."""
    category, commune = official_category(category_id, account)
    data = as_object(data)
    for name, value in _deadlines(data).items():
        setattr(category, name, value)
    if "name" in data:
        name = NAME_FIELD.clean(data.get("name"))
        assert name is not None
        _check_name_free(commune, name, exclude_id=category.id)
        category.name = name
    if "archived" in data:
        if not isinstance(data["archived"], bool):
            raise ValidationError(_("archived must be true or false."), field="archived")
        if data["archived"] != category.archived:
            category.archived = data["archived"]
            if not category.archived:
                # Back at the end of the active list.
                category.position = len(active_categories(commune)) + 1
    if "personal" in data:
        category.personal = _personal(data["personal"])
    if "position" in data:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ValidationError(_("position must be a whole number from 0."), field="position")
        if category.archived:
            raise ValidationError(
                _("An archived category has no place in the list."), field="position"
            )
        _move(commune, category, position)
    db.session.flush()
    _renumber(commune)
    return category


def _move(commune: Commune, category: Category, position: int) -> None:
    others = [c for c in active_categories(commune) if c.id != category.id]
    others.insert(min(position, len(others)), category)
    for index, item in enumerate(others):
        item.position = index


def _renumber(commune: Commune) -> None:
    """Active categories at 0..n-1 in their order; archived ones after them."""
    for index, item in enumerate(all_categories(commune)):
        item.position = index
    db.session.flush()
