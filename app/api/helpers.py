"""Parsing helpers shared by the API's resource modules."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from app.accounts.models import Account
from app.accounts.sessions import current_account
from app.errors import BadJson, NotAuthenticated
from app.parsing import parse_cursor, parse_int, parse_json


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
    data = parse_json(raw)
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
    message = _("limit must be a whole number from 1 to 100.")
    return parse_int(raw, "limit", minimum=1, maximum=100, message=message)


def cursor_arg() -> int | None:
    """``?cursor=`` as returned in ``next_cursor``; empty means the first page."""
    return parse_cursor(request.args.get("cursor", ""))
