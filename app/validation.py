"""Small, explicit field validation with messages a resident can read.

Every service input goes through these before it touches the database, so malformed data is a
clear 422 (naming the field) rather than a 500.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.errors import ValidationError

# Characters nobody types and XML 1.0 cannot carry (one of them breaks every Open311 XML feed):
# control characters other than tab, newline and carriage return (C0, DEL and C1), lone
# surrogates, and the Unicode non-characters (U+FDD0-U+FDEF and the last two code points of
# every plane, U+FFFE, U+FFFF, U+1FFFE ... U+10FFFF).
_PLANE_ENDS = "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)
)
_FORBIDDEN = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_PLANE_ENDS}]"
)
# Database ids are 32-bit integers on every backend.
MAX_ID = 2**31 - 1


def has_forbidden_characters(text: str) -> bool:
    """True when ``text`` holds a control character (but tab and line breaks), a surrogate or
    a Unicode non-character: what no one writes and what XML cannot carry."""
    return _FORBIDDEN.search(text) is not None


def is_storable(text: str) -> bool:
    """False for text no database can store: NUL bytes, or lone surrogates ("\\ud800" in
    JSON is valid JSON but not valid Unicode)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class TextField:
    """A string field, stripped and normalised to NFC."""

    name: str
    label: str
    required: bool = True
    min_len: int = 1
    max_len: int = 4000
    multiline: bool = True

    def clean(self, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise ValidationError(
                    _("%(field)s is required.", field=self.label), field=self.name
                )
            return None
        if not isinstance(value, str):
            raise ValidationError(_("%(field)s must be text.", field=self.label), field=self.name)
        text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
        if has_forbidden_characters(text) or (
            not self.multiline and ("\n" in text or "\r" in text)
        ):
            raise ValidationError(
                _("%(field)s contains characters that are not allowed.", field=self.label),
                field=self.name,
            )
        if len(text) < self.min_len:
            raise ValidationError(
                _("%(field)s must be at least %(n)d characters.", field=self.label, n=self.min_len),
                field=self.name,
            )
        if len(text) > self.max_len:
            raise ValidationError(
                _("%(field)s must be at most %(n)d characters.", field=self.label, n=self.max_len),
                field=self.name,
            )
        return text


@dataclass(frozen=True)
class ChoiceField:
    """One of a fixed set of strings."""

    name: str
    label: str
    choices: tuple[str, ...]
    required: bool = True
    default: str | None = None

    def clean(self, value: Any) -> str | None:
        if value is None or value == "":
            if self.default is not None:
                return self.default
            if self.required:
                raise ValidationError(
                    _("%(field)s is required.", field=self.label), field=self.name
                )
            return None
        if not isinstance(value, str) or value not in self.choices:
            raise ValidationError(
                _(
                    "%(field)s must be one of: %(choices)s.",
                    field=self.label,
                    choices=", ".join(self.choices),
                ),
                field=self.name,
            )
        return value


Field = TextField | ChoiceField


def clean_fields(data: Mapping[str, Any], fields: Iterable[Field]) -> dict[str, Any]:
    """Validate ``data`` against ``fields``; unknown keys are ignored, never stored."""
    return {field.name: field.clean(data.get(field.name)) for field in fields}


SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def clean_slug(value: Any) -> str:
    """A commune slug: lowercase ASCII letters, digits and inner hyphens, 1 to 64 characters."""
    # fullmatch: with match, "$" also matches before a final newline ("xa-a\n").
    if not isinstance(value, str) or not SLUG_PATTERN.fullmatch(value):
        raise ValidationError(
            _("The short name (slug) may use only a-z, 0-9 and hyphens, up to 64 characters."),
            field="slug",
        )
    return value


def clean_email(value: Any) -> str:
    """A plausible email address, lowercased."""
    if not isinstance(value, str) or len(value) > 254:
        raise ValidationError(_("Enter a valid email address."), field="email")
    email = value.strip().lower()
    if has_forbidden_characters(email) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationError(_("Enter a valid email address."), field="email")
    return email
