"""A commune's categories (lĩnh vực): the default set, and choosing one when asking."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from app.communes.models import Commune
from app.errors import ValidationError
from app.extensions import db
from app.feedback.models import Category

# Every new commune starts with these (names in Vietnamese: they are the commune's own data).
DEFAULT_CATEGORIES = (
    ("roads", "Giao thông"),
    ("flooding", "Ngập nước"),
    ("waste", "Rác thải"),
    ("procedures", "Thủ tục hành chính"),
    ("security", "An ninh trật tự"),
    ("other", "Khác"),
)


def add_default_categories(commune: Commune) -> None:
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(Category(commune_id=commune.id, code=code, name=name, position=position))


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
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Choose a category from the list."), field="category")
    category = db.session.get(Category, value) if 0 < value < 2**31 else None
    if category is None or category.commune_id != commune.id or category.archived:
        raise ValidationError(_("Choose a category from the list."), field="category")
    return category
