"""Pydantic field types with the app's own checks and messages.

Each type cleans its value in a "before" validator (so a wrong type gets the app's message, not
pydantic's) and carries its JSON Schema, which the OpenAPI document shows. A ``Label`` in the
metadata names the field in messages ("The title is required."). Refusals are
``PydanticCustomError``s of type ``cf_invalid`` holding the translated message;
``app.schema.load`` turns the first one into the app's 422.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.parsing import MAX_ID, InvalidValue, parse_datetime, parse_int
from app.schema.text import SLUG_PATTERN, has_forbidden_characters

Schema = dict[str, Any]
INVALID = "cf_invalid"


@dataclass(frozen=True)
class Label:
    """How messages name a field ("The title"); translated when a message is made."""

    text: Any


def invalid(message: Any) -> PydanticCustomError:
    """A refusal carrying the message the person reads."""
    return PydanticCustomError(INVALID, "{message}", {"message": str(message)})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def nullable(schema: Schema) -> Schema:
    """``schema`` or null."""
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    widened = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        widened["enum"] = [*schema["enum"], None]
    return widened


def clean_text(
    value: Any, label: Any, *, required: bool, min_len: int, max_len: int, line: bool
) -> str | None:
    """Trimmed NFC text without control characters (nor line breaks in a single line)."""
    if _blank(value):
        if required:
            raise invalid(_("%(field)s is required.", field=label))
        return None
    if not isinstance(value, str):
        raise invalid(_("%(field)s must be text.", field=label))
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if has_forbidden_characters(text) or (line and ("\n" in text or "\r" in text)):
        raise invalid(_("%(field)s contains characters that are not allowed.", field=label))
    if len(text) < min_len:
        raise invalid(_("%(field)s must be at least %(n)d characters.", field=label, n=min_len))
    if len(text) > max_len:
        raise invalid(_("%(field)s must be at most %(n)d characters.", field=label, n=max_len))
    return text


def _text_schema(min_len: int, max_len: int, line: bool) -> Schema:
    schema: Schema = {"type": "string", "minLength": min_len, "maxLength": max_len}
    return {**schema, "description": "a single line"} if line else schema


def Text(label: Any, *, max_len: int = 4000, min_len: int = 1, line: bool = False) -> Any:
    """A required text field."""

    def clean(value: Any) -> str | None:
        return clean_text(value, label, required=True, min_len=min_len, max_len=max_len, line=line)

    schema = _text_schema(min_len, max_len, line)
    return Annotated[str, Label(label), BeforeValidator(clean), WithJsonSchema(schema)]


def OptionalText(label: Any, *, max_len: int = 4000, line: bool = False) -> Any:
    """A text field that may be absent, null or blank (all None)."""

    def clean(value: Any) -> str | None:
        return clean_text(value, label, required=False, min_len=1, max_len=max_len, line=line)

    schema = nullable(_text_schema(1, max_len, line))
    return Annotated[str | None, Label(label), BeforeValidator(clean), WithJsonSchema(schema)]


def Choice(label: Any, choices: tuple[str, ...], *, default: str | None = None) -> Any:
    """One of ``choices``; with a ``default``, absent, null or empty gives it."""

    def clean(value: Any) -> str | None:
        if value is None or value == "":
            if default is not None:
                return default
            raise invalid(_("%(field)s is required.", field=label))
        if not isinstance(value, str) or value not in choices:
            joined = ", ".join(choices)
            raise invalid(_("%(field)s must be one of: %(choices)s.", field=label, choices=joined))
        return value

    schema: Schema = {"type": "string", "enum": list(choices)}
    if default is not None:
        schema = nullable(schema)
    return Annotated[str, Label(label), BeforeValidator(clean), WithJsonSchema(schema)]


def Flag(message: Callable[[], str], *, absent: bool | None = None) -> Any:
    """``true`` or ``false``; null gives ``absent`` (or is refused when ``absent`` is None).
    ``message`` makes the refusal's text when it is needed (it is translated then)."""

    def clean(value: Any) -> bool | None:
        if value is None and absent is not None:
            return absent
        if not isinstance(value, bool):
            raise invalid(message())
        return value

    schema: Schema = {"type": "boolean"} if absent is None else nullable({"type": "boolean"})
    return Annotated[bool, BeforeValidator(clean), WithJsonSchema(schema)]


def _clean_slug(value: Any) -> str:
    # fullmatch: with match, "$" also matches before a final newline ("xa-a\n").
    if not isinstance(value, str) or not SLUG_PATTERN.fullmatch(value):
        raise invalid(
            _("The short name (slug) may use only a-z, 0-9 and hyphens, up to 64 characters.")
        )
    return value


Slug = Annotated[
    str,
    BeforeValidator(_clean_slug),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN.pattern}),
]


def Id(message: Callable[[], str]) -> Any:
    """A database id (1 to 2**31 - 1): a JSON integer or digits."""

    def clean(value: Any) -> int:
        try:
            return parse_int(value, "id", minimum=1, maximum=MAX_ID, message=message())
        except InvalidValue as error:
            raise invalid(error.message) from None

    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return Annotated[int, BeforeValidator(clean), WithJsonSchema(schema)]


def Moment(message: Callable[[], str], *, zone: tzinfo = UTC) -> Any:
    """An ISO 8601 time (years 1900 to 2999) as aware UTC, or None when absent or empty."""

    def clean(value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        try:
            return parse_datetime(value, "time", zone=zone, message=message())
        except InvalidValue as error:
            raise invalid(error.message) from None

    schema = nullable({"type": "string", "format": "date-time"})
    return Annotated[datetime | None, BeforeValidator(clean), WithJsonSchema(schema)]


def _clean_email(value: Any) -> str:
    """A plausible email address, lowercased."""
    if not isinstance(value, str) or len(value) > 254:
        raise invalid(_("Enter a valid email address."))
    email = value.strip().lower()
    if has_forbidden_characters(email) or not _EMAIL.fullmatch(email):
        raise invalid(_("Enter a valid email address."))
    return email


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
Email = Annotated[
    str, BeforeValidator(_clean_email), WithJsonSchema({"type": "string", "maxLength": 254})
]


def WholeNumber(message: Callable[[], str], *, minimum: int = 0, blank: bool = False) -> Any:
    """A whole number from ``minimum`` (a JSON integer or ASCII digits), as a form sends it;
    with ``blank``, an empty field (or none) is None: the value stays as it is."""

    def clean(value: Any) -> int | None:
        if blank and (value is None or value == ""):
            return None
        try:
            return parse_int(value, "number", minimum=minimum, maximum=MAX_ID, message=message())
        except InvalidValue as error:
            raise invalid(error.message) from None

    schema: Schema = {"type": "integer", "minimum": minimum, "maximum": MAX_ID}
    if blank:
        return Annotated[int | None, BeforeValidator(clean), WithJsonSchema(nullable(schema))]
    return Annotated[int, BeforeValidator(clean), WithJsonSchema(schema)]


def IdOr(*words: str, message: Callable[[], str]) -> Any:
    """A database id, or one of ``words`` (a filter's "none", "me"), as given."""

    def clean(value: Any) -> int | str:
        if value in words:
            return value
        try:
            return parse_int(value, "id", minimum=1, maximum=MAX_ID, message=message())
        except InvalidValue as error:
            raise invalid(error.message) from None

    pattern = f"^({'|'.join(words)}|[0-9]{{1,10}})$"
    return Annotated[
        int | str, BeforeValidator(clean), WithJsonSchema({"type": "string", "pattern": pattern})
    ]
