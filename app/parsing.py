"""The one checked path for numbers, dates, cursors and JSON that arrive from outside.

Python's own parsers each fail in their own way on hostile input: ``int()`` raises on more than
4,300 digits, ``datetime`` arithmetic overflows near the years 1 and 9999, ``json.loads`` raises
``RecursionError`` on deep nesting. Every query string, form and JSON value that becomes a
number or a time goes through this module instead, so a bad value is a 4xx naming the field.

The errors are both a ``ValidationError`` (a 422 with the field) and a ``ValueError``, so code
that already catches ``ValueError`` (Open311, Werkzeug's ``get_json(silent=True)``) handles
them too.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from flask import Flask, current_app
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _

from app.errors import BadJson, DomainError, ValidationError

# Database ids are 32-bit integers on every backend.
MAX_ID = 2**31 - 1
# Times outside these years are typing mistakes or probes; inside them, shifting by any time
# zone or by a few years never leaves what ``datetime`` can hold.
MIN_YEAR = 1900
MAX_YEAR = 2999
# Longest ISO 8601 text worth reading ("2025-01-31T23:59:59.999999+07:00" is 32).
MAX_DATE_CHARS = 40
# Digits before a number is refused without converting it (int() refuses 4,300 by itself).
MAX_DIGITS = 18
# No request of this API nests deeper than a few levels.
MAX_JSON_DEPTH = 32

_INTEGER = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}")
# "0" to "9" only: str.isdigit() also takes "٣", "３" and "²".
_DIGITS = re.compile(r"[0-9]+")
# Plain decimal notation with an optional short exponent: no "nan", "inf" or "1_000".
_DECIMAL = re.compile(
    r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][+-]?[0-9]{1,3})?"
)
_MISSING: Any = object()


class InvalidValue(ValidationError, ValueError):
    """A value that is not the number, time or cursor it should be (422, naming the field)."""


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_int(
    value: Any,
    field: str,
    *,
    minimum: int = 0,
    maximum: int = MAX_ID,
    default: Any = _MISSING,
    message: str | None = None,
) -> int:
    """A whole number from ``minimum`` to ``maximum``: a JSON integer, or at most 18 ASCII
    digits after an optional minus sign (no spaces, no "+"). Empty gives ``default`` when one
    is given."""
    if _absent(value) and default is not _MISSING:
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    if number is None or not minimum <= number <= maximum:
        raise InvalidValue(
            message
            or _(
                "%(field)s must be a whole number from %(low)d to %(high)d.",
                field=field,
                low=minimum,
                high=maximum,
            ),
            field=field,
        )
    return number


def is_digits(text: Any) -> bool:
    """True for a non-empty string of ASCII digits: no sign, space, "٣", "３" or "²"."""
    return isinstance(text, str) and _DIGITS.fullmatch(text) is not None


def parse_digits(text: Any, *, maximum: int, clamp: bool = False) -> int | None:
    """Unsigned ASCII digits (``is_digits``) as a number from 0 to ``maximum``, or None. A
    larger number, however many digits, is None, or ``maximum`` with ``clamp``."""
    if not is_digits(text):
        return None
    significant = text.lstrip("0") or "0"
    # The length first: int() refuses strings of more than 4,300 digits.
    if len(significant) > len(str(maximum)) or int(significant) > maximum:
        return maximum if clamp else None
    return int(significant)


def parse_id(value: Any, field: str, *, message: str | None = None) -> int:
    """A database id (1 to 2**31 - 1)."""
    return parse_int(value, field, minimum=1, maximum=MAX_ID, message=message)


def parse_cursor(value: Any, field: str = "cursor") -> int | None:
    """``?cursor=``: the last id of the previous page; empty is the first page. Ids are
    32-bit, so a larger cursor (up to 18 digits) means "from the newest"."""
    if value is None or value == "":
        return None
    cursor = None
    if isinstance(value, str) and len(value) <= MAX_DIGITS:
        cursor = parse_digits(value, maximum=MAX_ID, clamp=True)
    if cursor is None:
        raise InvalidValue(_("The cursor is not valid."), field=field)
    return cursor


def page_cursor(value: str | None) -> int | None:
    """A cursor on a page (not the API): a bad one shows the first page instead of an error,
    as a hand-edited address should."""
    try:
        return parse_cursor(value)
    except InvalidValue:
        return None


def parse_float(
    value: Any,
    field: str,
    *,
    minimum: float,
    maximum: float,
    default: Any = _MISSING,
    message: str | None = None,
) -> float:
    """A finite decimal number from ``minimum`` to ``maximum`` (JSON number or text)."""
    if _absent(value) and default is not _MISSING:
        return default
    number: float | None = None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)  # OverflowError: a JSON integer past any float
        elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
            number = float(value.strip())
    except OverflowError:
        number = None
    if number is None or not math.isfinite(number) or not minimum <= number <= maximum:
        low, high = format(minimum, "g"), format(maximum, "g")
        raise InvalidValue(
            message
            or _(
                "%(field)s must be a number from %(low)s to %(high)s.",
                field=field,
                low=low,
                high=high,
            ),
            field=field,
        )
    return number


def parse_datetime(
    value: Any,
    field: str,
    *,
    zone: tzinfo = UTC,
    default: Any = _MISSING,
    message: str | None = None,
) -> datetime:
    """An ISO 8601 date and time between the years 1900 and 2999, as an aware UTC time. A time
    without an offset is read in ``zone`` (UTC unless the caller knows the person's zone); a
    date alone is its midnight."""
    if _absent(value) and default is not _MISSING:
        return default
    moment: datetime | None = None
    if isinstance(value, str) and value.isascii() and len(value) <= MAX_DATE_CHARS:
        try:
            moment = datetime.fromisoformat(value.strip())  # "Z" included, since Python 3.11
        except ValueError:
            moment = None
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise InvalidValue(
            message
            or _(
                "%(field)s must be a date and time (ISO 8601) between the years %(low)d and "
                "%(high)d.",
                field=field,
                low=MIN_YEAR,
                high=MAX_YEAR,
            ),
            field=field,
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


# --- JSON ----------------------------------------------------------------------------------------


def _too_deep(data: Any, limit: int) -> bool:
    """True when ``data`` nests more than ``limit`` arrays or objects (without recursion)."""
    if not isinstance(data, dict | list):
        return False
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(raw: str | bytes, *, max_bytes: int | None = None, **kwargs: Any) -> Any:
    """A JSON document of at most ``max_bytes`` (the app's ``MAX_JSON_BYTES``) nesting at most
    32 levels; ``BadJson`` (a 400, and a ``ValueError``) otherwise."""
    limit = current_app.config["MAX_JSON_BYTES"] if max_bytes is None else max_bytes
    if len(raw) > limit:
        raise BadJson(_("What you sent is too large."))
    try:
        data = json.loads(raw, **kwargs)
    except RecursionError:
        raise BadJson(_("The request body is nested too deeply.")) from None
    except (UnicodeDecodeError, ValueError):
        raise BadJson(_("The request body is not valid JSON.")) from None
    if _too_deep(data, MAX_JSON_DEPTH):
        raise BadJson(_("The request body is nested too deeply."))
    return data


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON with ``loads`` through ``parse_json``: every ``request.get_json()`` (the rate
    limiter's included) is size- and depth-checked."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # The app's own limit: Flask's test client also reads responses through this provider,
        # outside any app context.
        return parse_json(s, max_bytes=self._app.config["MAX_JSON_BYTES"], **kwargs)


class CheckedRequest(FlaskRequest):
    """A request whose ``get_json`` refuses an announced oversized body before reading it and
    answers a bad body with ``BadJson``'s clear message."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        length = self.content_length
        if length is not None and length > current_app.config["MAX_JSON_BYTES"]:
            if silent:
                return None
            raise BadJson(_("What you sent is too large."))
        return super().get_json(force=force, silent=silent, cache=cache)

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, DomainError):
            raise e
        return super().on_json_loading_failed(e)


def init_app(app: Flask) -> None:
    """Install the checked JSON provider and request class on ``app``."""
    app.json = CheckedJSONProvider(app)
    app.request_class = CheckedRequest
