"""How an ``/api/v1`` route is described in the OpenAPI document, declared next to the route.

``@documented(summary, {200: SomeModel}, ...)`` records an ``Op`` on the view function;
``app.api.openapi`` walks the URL map and builds each operation from it. Bodies and answers are
pydantic models (their JSON Schema is the contract) or, for the few shapes that are not a model,
plain JSON Schema built with the helpers below.

``Op.build`` adds the answers that follow from how an operation is called: 401 when it needs a
session; 403 (the Origin guard) for unsafe methods; 400, 413 and 415 when it reads a JSON body;
404 when the path has parameters (one that is malformed matches no route); 429 when the view
spends a rate limit (``@limited``); 503 (database unavailable) everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from app.parsing import MAX_ID
from app.schema.query import FLAG_WORDS
from app.schema.text import SLUG_PATTERN

Schema = dict[str, Any]
Mode = Literal["validation", "serialization"]
Resolve = Callable[[Any, Mode], Schema]
JSON = "application/json"
ATTRIBUTE = "openapi_operation"
V = TypeVar("V", bound=Callable[..., Any])

# --- schema helpers ------------------------------------------------------------------------------

STR: Schema = {"type": "string"}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
SLUG: Schema = {"type": "string", "pattern": SLUG_PATTERN.pattern}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def enum(values: tuple[str, ...]) -> Schema:
    return {"type": "string", "enum": list(values)}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(**properties: Schema) -> Schema:
    """A small response object that is no model: exactly these keys, all present."""
    schema: Schema = {"type": "object", "properties": properties, "required": list(properties)}
    return {**schema, "additionalProperties": False}


def fields(*required: str, **properties: Schema) -> Schema:
    """A request object; the API ignores keys it does not know, so they are allowed."""
    schema: Schema = {"type": "object", "properties": properties}
    return {**schema, "required": list(required)} if required else schema


def json_body(schema: Schema, *, required: bool = True) -> Schema:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def query(name: str, schema: Schema, description: str = "", **extra: Any) -> Schema:
    param = {"name": name, "in": "query", "schema": schema, **extra}
    return {**param, "description": description} if description else param


def parameter(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


def path_parameter(name: str) -> Schema:
    """``<slug>``, ``<token>``, or ``<id:name>`` (app.web.IdConverter: digits; past the largest
    id nothing is found)."""
    schema = {
        "slug": SLUG,
        "token": {"type": "string", "minLength": 1, "maxLength": 128},
        # A province: its two digits in the 2025 list; a day: YYYY-MM-DD.
        "code": {"type": "string", "pattern": "^[0-9]{2}$"},
        "day": {"type": "string", "format": "date"},
    }
    return {"name": name, "in": "path", "required": True, "schema": schema.get(name, ID)}


# --- operations ----------------------------------------------------------------------------------

ERRORS: dict[int, tuple[str, tuple[str, ...], str]] = {
    400: ("BadRequest", ("bad_json", "bad_request"), "The body is empty, not JSON or no object."),
    401: ("NotSignedIn", ("not_signed_in",), "No valid session, or wrong credentials."),
    403: ("Forbidden", ("forbidden",), "Not allowed for the caller, or no same-origin Origin."),
    404: ("NotFound", ("not_found",), "Unknown, or not visible to the caller."),
    409: ("Conflict", ("conflict",), "Conflicts with what already exists."),
    410: ("Gone", ("gone",), "A link that was ended: a replaced board, a used invitation."),
    413: ("TooLarge", ("request_entity_too_large",), "The body is over the limit."),
    415: ("UnsupportedType", ("unsupported_media_type",), "This Content-Type is not accepted."),
    422: (
        "Invalid",
        (
            "invalid",
            "idempotency_key_reused",
            # A voice note refused (app/threads/voice.py says why), "field": "voice".
            "voice_type",
            "voice_too_long",
            "voice_too_big",
            "voice_not_audio",
            "voice_damaged",
            "voice_empty",
        ),
        "A field is missing or not valid (`field` names it), or an Idempotency-Key was used "
        "for another request, or a voice note was refused (`voice_…`).",
    ),
    429: ("TooManyRequests", ("too_many_requests",), "Rate limited: retry after Retry-After."),
    503: ("Unavailable", ("unavailable",), "The database is unavailable: retry after Retry-After."),
}
SUCCESS = {200: "Success", 201: "Created", 204: "Done (no content)"}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Op:
    """An operation: ``ok`` maps each success status to its model or JSON schema (None: no content);
    ``errors`` are the 4xx of the route's own checks; ``build`` adds the others."""

    summary: str
    ok: dict[int, type[BaseModel] | Schema | None]
    errors: tuple[int, ...] = ()
    signed_in: bool = True
    body: type[BaseModel] | Schema | None = None
    params: tuple[Schema, ...] = ()
    limited: bool = False
    description: str = ""
    headers: dict[str, Schema] = field(default_factory=dict)  # of the successes
    special: dict[int, Schema] = field(default_factory=dict)  # instead of a shared response
    body_required: bool = True

    def build(self, method: str, path: str, tag: str, resolve: Resolve) -> Schema:
        """The operation object; ``resolve`` turns a model into a ``$ref`` (and collects it)."""
        names = re.findall(r"{(\w+)}", path)
        errors = {*self.errors, 503}
        params = [path_parameter(name) for name in names] + list(self.params)
        if names:
            errors.add(404)
        if method in UNSAFE:
            params.append(parameter("Origin"))
            errors.add(403)
        if self.signed_in:
            errors.add(401)
        body = self.request_body(resolve)
        if body is not None and JSON in body["content"]:
            errors.update((400, 413, 415))
        if self.limited:
            errors.add(429)
        responses: dict[int, Schema] = {
            status: {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in errors
        }
        for status, schema in self.ok.items():
            responses[status] = {"description": SUCCESS[status]}
            if schema is not None:
                responses[status]["content"] = {JSON: {"schema": resolve(schema, "serialization")}}
            if self.headers:
                responses[status]["headers"] = self.headers
        responses.update(resolve_within(self.special, resolve, "serialization"))
        op: Schema = {
            "operationId": method.lower() + re.sub(r"\W+", "_", path.replace("{", "by_")),
            "summary": self.summary,
            "tags": [tag],
            # Public routes accept a session cookie too (and some answer differently with one).
            "security": [{"session": []}] if self.signed_in else [{}, {"session": []}],
            "responses": {str(status): responses[status] for status in sorted(responses)},
        }
        if self.description:
            op["description"] = self.description
        if params:
            op["parameters"] = params
        if body is not None:
            op["requestBody"] = body
        return op

    def request_body(self, resolve: Resolve) -> Schema | None:
        """A model is a JSON body (required unless ``body_required`` is false); a dict is a
        whole request body object, whose schemas may be models too."""
        if isinstance(self.body, type) and issubclass(self.body, BaseModel):
            return json_body(resolve(self.body, "validation"), required=self.body_required)
        return resolve_within(self.body, resolve, "validation")


# --- shared by several resources ------------------------------------------------------------------


def resolve_within(value: Any, resolve: Resolve, mode: Mode) -> Any:
    """``value`` with every model in it (a media type's ``schema``) turned into a ``$ref``."""
    if isinstance(value, type) and issubclass(value, BaseModel):
        return resolve(value, mode)
    if isinstance(value, dict):
        return {key: resolve_within(item, resolve, mode) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve_within(item, resolve, mode) for item in value]
    return value


def replayed(model: type[BaseModel]) -> dict[int, Schema]:
    """The 200 of a POST repeated with its Idempotency-Key: the first request's result."""
    flag = {"required": True, "schema": {"const": "true"}}
    return {
        200: {
            "description": "Sent before with this Idempotency-Key: what it created (nothing new)",
            "headers": {"Idempotent-Replayed": flag},
            "content": {JSON: {"schema": model}},
        }
    }


def flag_query(name: str, description: str) -> Schema:
    """A yes/no filter, as ``app.schema.query.QueryFlag`` reads it."""
    return query(name, enum(FLAG_WORDS), description)


LIMIT = parameter("Limit")
CURSOR = parameter("Cursor")
IDEMPOTENCY_KEY = parameter("IdempotencyKey")
OFFICIALS = (403, 422)  # the errors of most officials' changes
# As app.schema.query.DeletePostsQuery reads it.
DELETE_POSTS = query("delete_posts", enum(("0", "1")), "1: delete my posts too.")
CODE_REJECTED = {401: {"$ref": "#/components/responses/CodeRejected"}}
NO_STORE = {"Cache-Control": {"required": True, "schema": {"const": "no-store"}}}


def documented(summary: str, ok: dict[int, Any], *errors: int, **details: Any) -> Callable[[V], V]:
    """Record the operation a view answers (``Op``'s fields) for the OpenAPI document."""

    def record(view: V) -> V:
        setattr(view, ATTRIBUTE, Op(summary, ok, errors, **details))
        return view

    return record
