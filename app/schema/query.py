"""What a query string carries: a page of a listing (``?cursor=&limit=``), yes/no filters.

A query string is text: these fields read ASCII digits and the few words a filter takes, and
carry the JSON Schema the OpenAPI document shows for the parameter.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import current_app
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, WithJsonSchema

from app.parsing import MAX_DIGITS, InvalidValue, parse_cursor, parse_int
from app.schema.fields import Schema, invalid

MAX_LIMIT = 100
FLAG_WORDS = ("", "0", "1", "true", "false")


def _limit(value: Any) -> int:
    # Only when given: absent is the configured page size, but "?limit=" is refused.
    try:
        message = _("limit must be a whole number from 1 to 100.")
        return parse_int(value, "limit", minimum=1, maximum=MAX_LIMIT, message=message)
    except InvalidValue as error:
        raise invalid(error.message) from None


def _cursor(value: Any) -> int | None:
    try:
        return parse_cursor(value)
    except InvalidValue as error:
        raise invalid(error.message) from None


Limit = Annotated[
    int | None,
    BeforeValidator(_limit),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
]
Cursor = Annotated[
    int | None,
    BeforeValidator(_cursor),
    WithJsonSchema({"type": "string", "pattern": f"^[0-9]{{0,{MAX_DIGITS}}}$"}),
]


def QueryFlag(name: str) -> Any:
    """``1`` or ``true`` is yes; absent, empty, ``0`` or ``false`` no; anything else refused."""

    def clean(value: Any) -> bool:
        if value not in FLAG_WORDS:
            raise invalid(_("%(name)s must be 0 or 1.", name=name))
        return value in ("1", "true")

    return Annotated[
        bool, BeforeValidator(clean), WithJsonSchema({"type": "string", "enum": list(FLAG_WORDS)})
    ]


def _is_one(value: Any) -> bool:
    return value == "1"


# ``?delete_posts=1``: "1" is yes, anything else no (as the document's enum says, 0 or 1).
YesIfOne = Annotated[
    bool, BeforeValidator(_is_one), WithJsonSchema({"type": "string", "enum": ["0", "1"]})
]


class PageQuery(BaseModel):
    """A page of a listing: after the previous page's ``next_cursor``, ``limit`` items."""

    cursor: Cursor = None
    limit: Limit = None

    def size(self) -> int:
        """``limit``, or the configured page size."""
        return current_app.config["PAGE_SIZE"] if self.limit is None else self.limit


class LimitQuery(BaseModel):
    """A page of a listing whose cursor is its own (the inbox's)."""

    limit: Limit = None

    size = PageQuery.size


class DeletePostsQuery(BaseModel):
    """``DELETE /me`` and leaving a commune: ``?delete_posts=1`` deletes the posts too."""

    delete_posts: YesIfOne = False


def parameter_schema(model: type[BaseModel], name: str) -> Schema:
    """The JSON Schema of ``model``'s query parameter ``name``, for the OpenAPI document."""
    schema = dict(model.model_json_schema()["properties"][name])
    for added in ("title", "default"):
        schema.pop(added, None)
    return schema
