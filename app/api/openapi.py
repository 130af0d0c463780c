"""``/openapi.json``: the OpenAPI 3.1 description of every ``/api/v1`` route, generated.

The generator walks the app's URL map: each ``/api/v1`` view declares its operation with
``app.api.spec.documented`` (its request and response models, its own errors), and the models'
JSON Schema (pydantic) becomes ``components/schemas``. Built on its first request and kept per
app.

``tests/api/test_openapi_document.py`` compares its operations with the URL map (a route
without documentation, or documentation of a removed route, fails), and
``tests/api/test_openapi_schemathesis.py`` checks real answers against it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from flask import Blueprint, Flask, Response, current_app
from pydantic import BaseModel

from app.api.spec import ATTRIBUTE, ERRORS, JSON, Mode, Op, Schema, documented, query, ref
from app.ratelimit.declare import declared_kind
from app.schema.query import PageQuery, parameter_schema

bp = Blueprint("openapi", __name__)

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
# Tags by blueprint (``api.<blueprint>.<view>``), in the document's order.
TAGS = {
    "auth": "auth",
    "accounts": "accounts",
    "communes": "communes",
    "membership": "communes",
    "threads": "threads",
    "announcements": "announcements",
    "push": "push",
    "workspace": "workspace",
    "admin": "admin",
    "days_off": "admin",
    "open311_clients": "open311",
    "accountability": "accountability",
    "openapi": "meta",
}
DOCUMENT_SCHEMA = {"type": "object", "required": ["openapi", "info", "paths"]}


@bp.get("/openapi.json")
@documented("This document", {200: DOCUMENT_SCHEMA}, signed_in=False)
def document() -> Response:
    """The document, serialised once per app."""
    body = current_app.extensions.get("openapi_json")
    if body is None:
        body = json.dumps(build_document(current_app))
        current_app.extensions["openapi_json"] = body
    response = Response(body, mimetype=JSON)
    # The same for everyone; short-lived, so that a new deployment shows soon.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


ERROR_SCHEMA: Schema = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "minLength": 1},
                "field": {"type": "string", "description": "the field at fault"},
            },
        }
    },
}

DESCRIPTION = """\
The JSON API of commune-feedback; docs/api.md says more. Bodies are JSON (at most 1 MB) unless an
operation says otherwise; times are ISO 8601 in UTC.

Sign-in is a session cookie. Every POST, PUT, PATCH and DELETE must also carry an `Origin`
header equal to the site's own origin, or it is refused (403): the cookie alone is not enough.

Errors have a 4xx status and the body `{"error": {"code", "message", "field"?}}`, with the
message in the caller's language. 503 (with Retry-After) means the database is unavailable for
a moment. Sign-in, joining and posting are rate limited (429, with Retry-After)."""


class _Components:
    """``components/schemas``: the models met while building the operations."""

    def __init__(self) -> None:
        self.schemas: dict[str, Schema] = {"Error": ERROR_SCHEMA}
        self.seen: dict[str, tuple[type[BaseModel], Mode]] = {}

    def resolve(self, value: Any, mode: Mode) -> Schema:
        """A model becomes a ``$ref`` to its schema; a plain schema stays as it is."""
        if not (isinstance(value, type) and issubclass(value, BaseModel)):
            return value
        name = value.__name__
        earlier = self.seen.setdefault(name, (value, mode))
        if earlier != (value, mode):
            raise ValueError(f"two OpenAPI schemas named {name}: {earlier} and {(value, mode)}")
        schema = _without_null_defaults(value.model_json_schema(mode=mode, ref_template=REF))
        for nested, definition in schema.pop("$defs", {}).items():
            self.schemas[nested] = definition
        self.schemas[name] = schema
        return ref(name)


def _without_null_defaults(schema: Any) -> Any:
    """Pydantic writes ``"default": null`` for every optional field, also where null is not
    allowed (a title that may be left out but not sent as null): absent says it already."""
    if isinstance(schema, dict):
        return {
            key: _without_null_defaults(value)
            for key, value in schema.items()
            if not (key == "default" and value is None)
        }
    if isinstance(schema, list):
        return [_without_null_defaults(item) for item in schema]
    return schema


def _openapi_path(rule: str) -> str:
    """``/api/v1/threads/<id:thread_id>`` → ``/threads/{thread_id}``."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(PREFIX))


def _operations(app: Flask) -> list[tuple[str, str, str, Op]]:
    """(method, path, tag, operation) of every ``/api/v1`` route that declares one."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{PREFIX}/"):
            continue
        path = _openapi_path(rule.rule)
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, ATTRIBUTE, None)
        if declared is not None and declared_kind(view) is not None:
            # The view's @limited declaration: it may answer 429.
            declared = replace(declared, limited=True)
        tag = TAGS[rule.endpoint.split(".")[1]]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if declared is not None:
                found.append((method, path, tag, declared))
    return found


def build_document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document of ``app``'s routes, as a new dict."""
    components = _Components()
    paths: dict[str, Schema] = {}
    for method, path, tag, op in _operations(app):
        paths.setdefault(path, {})[method.lower()] = op.build(method, path, tag, components.resolve)
    used = {operation["tags"][0] for item in paths.values() for operation in item.values()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "commune-feedback API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": PREFIX}],
        "tags": [{"name": tag} for tag in dict.fromkeys(TAGS.values()) if tag in used],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "responses": _responses(),
            "parameters": _parameters(),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": app.config["SESSION_COOKIE_NAME"],
                    "description": "Set by POST /join (residents), POST /auth/login and POST "
                    "/invites/{token}/accept (staff). Unsafe methods also need the Origin header.",
                }
            },
        },
    }


def _responses() -> dict[str, Schema]:
    responses = {}
    for status, (name, codes, description) in ERRORS.items():
        code = {"properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}}
        schema = {"allOf": [ref("Error"), code]}
        responses[name] = {"description": description, "content": {JSON: {"schema": schema}}}
        if status == 401:
            # The second factor's refusals (app/accounts/second_factor.py) are 401s too.
            refused = {"enum": [*codes, "totp_required", "totp_invalid"]}
            code_schema = {"properties": {"error": {"properties": {"code": refused}}}}
            responses["CodeRejected"] = {
                "description": "Wrong credentials, or a missing, wrong or used second-factor code.",
                "content": {JSON: {"schema": {"allOf": [ref("Error"), code_schema]}}},
            }
        if status in (429, 503):
            retry = {"required": True, "schema": {"type": "integer", "minimum": 0}}
            responses[name]["headers"] = {"Retry-After": retry}
    return responses


def _parameters() -> dict[str, Schema]:
    return {
        "Origin": {
            "name": "Origin",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "format": "uri"},
            "description": "The site's own origin (that of BASE_URL); else 403.",
        },
        "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
            "description": "One random key per question or reply, the same on every "
            "retry (a UUID, say; a quoted string is accepted too). A repeat from the "
            "same account answers 200 with the first result and creates nothing; the "
            "same key with another request is 422 idempotency_key_reused. Kept 7 days.",
        },
        # The schemas of the query models that read them (app.schema.query).
        "Limit": query("limit", parameter_schema(PageQuery, "limit"), "Page size (20)."),
        "Cursor": query(
            "cursor",
            parameter_schema(PageQuery, "cursor"),
            "The previous page's next_cursor; empty: the first page.",
        ),
    }
