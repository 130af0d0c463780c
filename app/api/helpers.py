"""Parsing helpers shared by the API's resource modules."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from app.accounts.models import Account
from app.accounts.sessions import current_account
from app.errors import DomainError, NotAuthenticated, ValidationError
from app.validation import MAX_ID


class BadJson(DomainError):
    status = 400
    code = "bad_json"


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a clear 4xx explaining what is wrong with it."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    if not raw.strip():
        raise BadJson(_("The request body is empty; send a JSON object."))
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise BadJson(_("The request body is not valid JSON.")) from None
    except RecursionError:
        raise BadJson(_("The request body is nested too deeply.")) from None
    if not isinstance(data, dict):
        raise BadJson(_("The request body must be a JSON object."))
    return data


def require_account() -> Account:
    account = current_account()
    if account is None:
        raise NotAuthenticated()
    return account


def page_size() -> int:
    """``?limit=`` bounded to 1..100, default from config."""
    raw = request.args.get("limit")
    if raw is None:
        return current_app.config["PAGE_SIZE"]
    # The length first: int() refuses strings of more than 4,300 digits (ValueError, a 500).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= 100:
        raise ValidationError(_("limit must be a whole number from 1 to 100."), field="limit")
    return int(raw)


def cursor_arg() -> int | None:
    """``?cursor=`` as returned in ``next_cursor``; empty means the first page."""
    raw = request.args.get("cursor", "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError(_("The cursor is not valid."), field="cursor")
    # Ids are 32-bit: a cursor past the largest one simply means "from the newest".
    return min(int(raw), MAX_ID)
