"""Parsing helpers shared by the API's resource modules."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from app.accounts.models import Account
from app.accounts.sessions import current_account
from app.errors import BadJson, NotAuthenticated
from app.parsing import parse_json
from app.schema.load import load
from app.schema.query import PageQuery


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


def page_query() -> PageQuery:
    """``?cursor=&limit=`` of a listing (422 naming the field when one is not valid)."""
    return load(PageQuery, request.args)
