"""``/openapi.json``: the OpenAPI 3.1 description of every ``/api/v1`` route.

Built on its first request and kept per app (nothing happens at import time).
``tests/api/test_openapi_document.py`` compares its operations with the app's URL map (a route
without documentation, or documentation of a removed route, fails), and
``tests/api/test_openapi_schemathesis.py`` checks real answers against it.

Each operation lists its successes and the errors of its own checks; ``Op.build`` adds those that
follow from how it is called: 401 when it needs a session; 403 (the Origin guard) for unsafe
methods; 400, 413 and 415 when it reads a JSON body; 404 when the path has parameters (one that
is malformed matches no route); 429 when rate limited; 503 (database unavailable) everywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app

from app.communes.services import CODE_PATTERN
from app.membership.models import OFFICIAL, RESIDENT
from app.threads.models import KINDS, STATUSES, VISIBILITIES
from app.validation import MAX_ID, SLUG_PATTERN
from app.workspace.inbox import INBOX_STATUSES

bp = Blueprint("openapi", __name__)

Schema = dict[str, Any]
JSON = "application/json"


@bp.get("/openapi.json")
def document() -> Response:
    """The document, serialised once per app."""
    body = current_app.extensions.get("openapi_json")
    if body is None:
        body = json.dumps(build_document(current_app.config["SESSION_COOKIE_NAME"]))
        current_app.extensions["openapi_json"] = body
    response = Response(body, mimetype=JSON)
    # The same for everyone; short-lived, so that a new deployment shows soon.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- schema helpers ------------------------------------------------------------------------------

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
COUNT: Schema = {"type": "integer", "minimum": 0}
BOOL: Schema = {"type": "boolean"}
NUMBER: Schema = {"type": "number"}
TIME: Schema = {"type": "string", "format": "date-time"}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TRUE: Schema = {"const": True}
SLUG: Schema = {"type": "string", "pattern": SLUG_PATTERN.pattern}
ROLE: Schema = {"type": "string", "enum": [RESIDENT, OFFICIAL]}
KIND: Schema = {"type": "string", "enum": ["admin", "official", "resident"]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null."""
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    widened = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        widened["enum"] = [*schema["enum"], None]
    return widened


def enum(values: tuple[str, ...]) -> Schema:
    return {"type": "string", "enum": list(values)}


def text(max_len: int, *, min_len: int = 1, line: bool = False) -> Schema:
    """What ``app.validation.TextField`` takes (it trims, and refuses control characters)."""
    schema: Schema = {"type": "string", "minLength": min_len, "maxLength": max_len}
    return {**schema, "description": "a single line"} if line else schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


class _Optional(dict):
    """Marks a property that ``obj`` leaves out of ``required``."""


def optional(schema: Schema) -> Schema:
    return _Optional(schema)


def obj(**properties: Schema) -> Schema:
    """A response object: exactly these keys, all present unless marked ``optional``."""
    required = [name for name, value in properties.items() if not isinstance(value, _Optional)]
    schema: Schema = {"type": "object", "properties": {k: dict(v) for k, v in properties.items()}}
    return {**schema, "required": required, "additionalProperties": False}


def fields(*required: str, **properties: Schema) -> Schema:
    """A request object; the API ignores keys it does not know, so they are allowed."""
    schema: Schema = {"type": "object", "properties": properties}
    return {**schema, "required": list(required)} if required else schema


def listing(item: Schema, *, paged: bool = False) -> Schema:
    """``{"items": [...]}``, and ``next_cursor`` (null on the last page) when paged."""
    if paged:
        return obj(items=array(item), next_cursor=nullable(STR))
    return obj(items=array(item))


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
    schema = {"slug": SLUG, "token": {"type": "string", "minLength": 1, "maxLength": 128}}
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
        ("invalid", "idempotency_key_reused"),
        "A field is missing or not valid (`field` names it), or an Idempotency-Key was used "
        "for another request.",
    ),
    429: ("TooManyRequests", ("too_many_requests",), "Rate limited: retry after Retry-After."),
    503: ("Unavailable", ("unavailable",), "The database is unavailable: retry after Retry-After."),
}
SUCCESS = {200: "Success", 201: "Created", 204: "Done (no content)"}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Op:
    """An operation: ``ok`` maps each success status to its JSON schema (None: no content);
    ``errors`` are the 4xx of the route's own checks; ``build`` adds the others."""

    summary: str
    ok: dict[int, Schema | None]
    errors: tuple[int, ...] = ()
    signed_in: bool = True
    body: Schema | None = None
    params: tuple[Schema, ...] = ()
    limited: bool = False
    description: str = ""
    headers: dict[str, Schema] = field(default_factory=dict)  # of the successes
    special: dict[int, Schema] = field(default_factory=dict)  # instead of a shared response

    def build(self, method: str, path: str, tag: str) -> Schema:
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
        if self.body is not None and JSON in self.body["content"]:
            errors.update((400, 413, 415))
        if self.limited:
            errors.add(429)
        responses: dict[int, Schema] = {
            status: {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in errors
        }
        for status, schema in self.ok.items():
            responses[status] = {"description": SUCCESS[status]}
            if schema is not None:
                responses[status]["content"] = {JSON: {"schema": schema}}
            if self.headers:
                responses[status]["headers"] = self.headers
        responses.update(self.special)
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
        if self.body is not None:
            op["requestBody"] = self.body
        return op


# --- the JSON shapes of app/api/schemas.py (and the routes' own small ones) ----------------------


def _schemas() -> dict[str, Schema]:
    name = nullable(STR)  # a display name is null for a former member (account deleted)
    by = obj(display_name=name)
    window = {"weeks": array({"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"})}
    window |= {"since": TIME, "until": TIME}
    thread = {
        "id": ID,
        "commune": STR,
        "kind": enum(KINDS),
        "title": {"type": "string", "description": "empty when none was given"},
        "body": STR,
        "status": enum(STATUSES),
        "visibility": enum(VISIBILITIES),
        "author": by,
        "created_at": TIME,
        "reply_count": COUNT,
        "photo_url": nullable(STR),
        "category": nullable(ref("Category")),
        "hidden": nullable(obj(reason=nullable(STR), hidden_at=TIME)),
        "location": nullable(
            obj(latitude=nullable(NUMBER), longitude=nullable(NUMBER), address=nullable(STR))
        ),
    }
    detail = {**thread, "replies": array(ref("Reply")), "history": array(ref("StatusChange"))}
    invitation = {
        "id": ID,
        "email": STR,
        "display_name": nullable(STR),
        "communes": array(STR),
        "expires_at": TIME,
        "created_at": TIME,
        "invited_by": nullable(obj(display_name=STR)),
    }
    api_client = {"id": ID, "name": STR, "created_at": TIME, "revoked_at": nullable(TIME)}
    share = nullable({"type": "number", "minimum": 0, "maximum": 1})
    seconds = nullable(COUNT)
    switches = ("answers", "discussion", "announcements", "new_threads")
    return {
        "Error": obj(
            error={
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": STR,
                    "message": {"type": "string", "minLength": 1},
                    "field": {"type": "string", "description": "the field at fault"},
                },
            }
        ),
        "CommuneRef": obj(slug=STR, name=STR),
        "Commune": obj(slug=STR, name=STR, join_url=STR),
        "CommuneAdmin": obj(
            slug=STR,
            name=STR,
            code=nullable(STR),
            district=nullable(STR),
            province=nullable(STR),
            join_url=STR,
            open311_public=BOOL,
        ),
        "MyCommune": obj(slug=STR, name=STR, role=ROLE),
        "User": obj(id=ID, email=nullable(STR), role=KIND),
        "Person": obj(id=ID, display_name=STR),
        "Category": obj(id=ID, code=STR, name=STR),
        "CategoryFull": obj(id=ID, code=STR, name=STR, position=COUNT, archived=BOOL),
        "Delivery": obj(
            subscriptions=COUNT, delivered=COUNT, failed=COUNT, expired=COUNT, pending=COUNT
        ),
        "Thread": obj(**thread),
        "ThreadView": obj(**detail, following=BOOL),
        "ThreadChanged": obj(**detail, change=ref("StatusChange")),
        "WorkspaceThread": obj(
            **{
                **thread,
                "author": obj(display_name=name, id=optional(ID)),
                "assignee": nullable(ref("Person")),
                "answered": BOOL,
                "unread": BOOL,
                "open_flags": COUNT,
            }
        ),
        "Reply": obj(
            id=ID,
            thread_id=ID,
            body=STR,
            author=obj(display_name=name, role=ROLE),
            created_at=TIME,
            hidden=thread["hidden"],
            delivery=optional(ref("Delivery")),  # for the thread's author and officials
        ),
        "StatusChange": obj(
            id=ID,
            from_status=enum(STATUSES),
            status=enum(STATUSES),
            note=nullable(STR),
            actor=by,
            created_at=TIME,
        ),
        "Announcement": obj(
            id=ID,
            title=STR,
            body=STR,
            author=by,
            created_at=TIME,
            urgent=BOOL,
            pinned=BOOL,
            expires_at=nullable(TIME),
            expired=BOOL,
            edited_at=nullable(TIME),
            delivery=optional(ref("Delivery")),  # for officials
        ),
        "Preferences": obj(**dict.fromkeys(switches, BOOL)),
        "CannedReply": obj(id=ID, title=STR, body=STR, updated_at=TIME),
        "Note": obj(id=ID, thread_id=ID, body=STR, author=by, created_at=TIME),
        "Member": obj(
            id=ID,
            display_name=STR,
            role=ROLE,
            posting_blocked=BOOL,
            posting_blocked_reason=nullable(STR),
            joined_at=TIME,
        ),
        "FlaggedPost": obj(
            type=enum(("thread", "reply")),
            id=ID,
            thread_id=ID,
            body=STR,
            author=nullable(ref("Person")),
            hidden=BOOL,
            hidden_reason=nullable(STR),
            flags={"type": "integer", "minimum": 1},
            counted={"type": "integer", "minimum": 0},
            protected=BOOL,
            reasons=array(STR),
        ),
        "AuditEvent": obj(
            id=ID,
            action=STR,
            actor=obj(id=nullable(ID), name=STR),
            commune=nullable(STR),
            target=nullable(obj(type=STR, id=nullable(INT))),
            reason=nullable(STR),
            reason_withheld=BOOL,
            detail={"description": "what changed: any JSON value, or null"},
            created_at=TIME,
        ),
        "Invitation": obj(**invitation),
        "NewInvitation": obj(**invitation, invite_url=STR),
        "ApiClient": obj(**api_client),
        "NewApiClient": obj(**api_client, api_key={**STR, "description": "shown this once"}),
        "Figures": obj(
            members=COUNT,
            push_members=COUNT,
            officials=COUNT,
            threads=obj(
                opened=array(COUNT),
                resolved=array(COUNT),
                opened_total=COUNT,
                resolved_total=COUNT,
            ),
            first_answer=obj(
                answered=COUNT,
                waiting=COUNT,
                median_seconds=seconds,
                p90_seconds=seconds,
                within_24h_share=share,
            ),
            push=obj(announcements=COUNT, subscriptions=COUNT, delivered=COUNT, reach=share),
        ),
        "CommuneStats": obj(commune=ref("CommuneAdmin"), **window, figures=ref("Figures")),
        "PublicStats": obj(
            commune=ref("CommuneRef"),
            **window,
            response=obj(
                enough_data=BOOL,
                median_seconds=seconds,
                p90_seconds=seconds,
                within_24h_share=share,
            ),
        ),
        "AdminStats": obj(
            **window,
            total=ref("Figures"),
            provinces=array(obj(province=nullable(STR), figures=ref("Figures"))),
            districts=array(
                obj(province=nullable(STR), district=nullable(STR), figures=ref("Figures"))
            ),
            communes=array(obj(commune=ref("CommuneAdmin"), figures=ref("Figures"))),
            filter=obj(province=nullable(STR), district=nullable(STR)),
        ),
        "Me": {
            "oneOf": [
                obj(
                    signed_in=TRUE,
                    id=ID,
                    kind=KIND,
                    display_name=STR,
                    email=nullable(STR),
                    second_factor=BOOL,
                    admin_scope=nullable(obj(province=nullable(STR), district=nullable(STR))),
                    communes=array(ref("MyCommune")),
                ),
                obj(
                    signed_in={"const": False},
                    kind={"type": "null"},
                    communes={"type": "array", "maxItems": 0},
                ),
            ]
        },
        "Export": obj(
            account=obj(id=ID, display_name=STR, email=nullable(STR), kind=KIND, created_at=TIME),
            memberships=array(
                obj(commune=STR, role=ROLE, joined_at=TIME, notifications=ref("Preferences"))
            ),
            threads=array(
                obj(
                    id=ID,
                    commune=STR,
                    kind=enum(KINDS),
                    title=STR,
                    body=STR,
                    visibility=enum(VISIBILITIES),
                    status=enum(STATUSES),
                    has_photo=BOOL,
                    created_at=TIME,
                )
            ),
            replies=array(obj(id=ID, thread_id=ID, body=STR, created_at=TIME)),
            push_subscriptions=array(obj(endpoint=STR, created_at=TIME)),
            flags=array(obj(target=obj(type=STR, id=INT), reason=nullable(STR), created_at=TIME)),
            sessions=array(obj(device=STR, created_at=TIME, last_seen_at=TIME)),
        ),
    }


# --- the routes, by resource module (app/api/*.py) ------------------------------------------------

LINE = text(200, line=True)
BODY = text(4000)
NAME = text(60, line=True)
REASON = text(1000)
PLACE = text(120, line=True)
LIMIT = parameter("Limit")
CURSOR = parameter("Cursor")
IDEMPOTENCY_KEY = parameter("IdempotencyKey")
WEEKS = query("weeks", {"type": "integer", "minimum": 1, "maximum": 52}, "Weeks shown (12).")
DELETE_POSTS = query("delete_posts", enum(("0", "1")), "1: delete my posts too.")
OPTIONAL_REASON = json_body(fields(reason=nullable(REASON)), required=False)
REQUIRED_REASON = json_body(fields("reason", reason=REASON))
ID_OR_NONE: Schema = {"type": ["integer", "string", "null"], "description": "an id, or null"}
OFFICIALS = (403, 422)  # the errors of most officials' changes
CODE = {"type": "string", "maxLength": 40, "description": "6 digits, or a recovery code"}
CODE_REJECTED = {401: {"$ref": "#/components/responses/CodeRejected"}}
NO_STORE = {"Cache-Control": {"required": True, "schema": {"const": "no-store"}}}


def flag_query(name: str, description: str) -> Schema:
    return query(name, enum(("", "0", "1", "true", "false")), description)


def replayed(schema: Schema) -> dict[int, Schema]:
    """The 200 of a POST repeated with its Idempotency-Key: the first request's result."""
    flag = {"required": True, "schema": {"const": "true"}}
    return {
        200: {
            "description": "Sent before with this Idempotency-Key: what it created (nothing new)",
            "headers": {"Idempotent-Replayed": flag},
            "content": {JSON: {"schema": schema}},
        }
    }


def _auth() -> dict[str, Op]:
    user = obj(user=ref("User"))
    return {
        "POST /auth/login": Op(
            "Sign in (staff); sets the session cookie",
            {200: user},
            signed_in=False,
            body=json_body(fields("email", "password", email=STR, password=STR, code=CODE)),
            limited=True,
            special=CODE_REJECTED,
            description="401 alike for an unknown email and a wrong password; with the second "
            "factor on, also for a missing (totp_required) or wrong (totp_invalid) code.",
        ),
        "POST /auth/totp/setup": Op(
            "Start setting up a second factor (staff): a new secret for an authenticator app",
            {200: obj(secret=STR, otpauth_uri=STR)},
            (403, 409),
            body=json_body(fields("password", password=STR)),
            limited=True,
            headers=NO_STORE,
            description="401 for a wrong password: a session alone cannot tie the account to "
            "a phone.",
        ),
        "POST /auth/totp/confirm": Op(
            "Turn the second factor on with a first code; my other sessions end",
            {200: obj(recovery_codes=array(STR))},
            (403, 409),
            body=json_body(fields("code", code=CODE)),
            limited=True,
            headers=NO_STORE,
            special=CODE_REJECTED,
        ),
        "POST /auth/totp/disable": Op(
            "Turn the second factor off (password and a current code)",
            {204: None},
            (403, 409),
            body=json_body(fields("password", "code", password=STR, code=CODE)),
            limited=True,
            special=CODE_REJECTED,
        ),
        "POST /auth/password": Op(
            "Change my password; my other sessions end",
            {200: user},
            errors=(422,),
            body=json_body(
                fields(
                    "current_password",
                    "new_password",
                    current_password=STR,
                    new_password=text(1024, min_len=10),
                )
            ),
            limited=True,
            description="401 for a wrong current password, or for a resident (no password).",
        ),
        "POST /auth/logout": Op("Sign out: this session ends", {204: None}, signed_in=False),
        "POST /auth/logout-others": Op("Sign out everywhere else", {204: None}),
        "GET /me": Op("Who is signed in", {200: ref("Me")}, signed_in=False),
        "DELETE /me": Op("Delete my account", {204: None}, params=(DELETE_POSTS,)),
        "GET /me/export": Op(
            "Everything stored about me (a download)",
            {200: ref("Export")},
            headers={"Content-Disposition": {"required": True, "schema": STR}},
        ),
    }


def _accounts() -> dict[str, Op]:
    return {
        "DELETE /accounts/{account_id}/second-factor": Op(
            "Turn off a staff member's second factor (admin); their sessions end",
            {204: None},
            (403, 409),
        )
    }


def _communes() -> dict[str, Op]:
    joined = obj(member=obj(id=ID, display_name=STR), commune=ref("CommuneRef"), role=ROLE)
    token = {"type": "string", "minLength": 1, "maxLength": 64}
    return {
        "POST /communes": Op(
            "Create a commune (admin)",
            {201: ref("Commune")},
            errors=(403, 409, 422),
            body=json_body(fields("slug", "name", slug=SLUG, name=text(120, line=True))),
        ),
        "GET /communes": Op(
            "The communes I manage (admin) or serve (official)",
            {200: listing(ref("Commune"))},
            errors=(403,),
        ),
        "POST /join": Op(
            "Join a commune with its board's token",
            {201: joined, 200: joined},
            errors=(404, 410, 422),
            signed_in=False,
            body=json_body(fields("token", token=token, display_name=nullable(NAME))),
            limited=True,
            description="201 (and a session) for a new member, 200 when already a member; "
            "410 for the token of a board that was replaced.",
        ),
        "DELETE /communes/{slug}/membership": Op(
            "Leave a commune", {204: None}, errors=(403,), params=(DELETE_POSTS,)
        ),
    }


def _new_thread_body() -> Schema:
    """JSON, or a form whose fields are text with the photo as a file."""
    core = {
        "kind": enum(KINDS),
        "title": nullable(LINE),
        "body": BODY,
        "visibility": nullable(enum(VISIBILITIES)),
        "address": nullable(text(250, line=True)),
    }
    place = {"type": ["number", "string", "null"]}
    as_json = fields(
        "kind",
        "body",
        **core,
        category={**ID_OR_NONE, "description": "the id of an active category"},
        latitude={**place, "description": "-90 to 90, given with longitude"},
        longitude={**place, "description": "-180 to 180, given with latitude"},
    )
    form = dict.fromkeys((*core, "category", "latitude", "longitude"), STR)
    photo = {"type": "string", "contentMediaType": "application/octet-stream"}
    photo["description"] = "JPEG, PNG, WebP, GIF or HEIF, at most 10 MB"
    as_form = fields("kind", "body", **form, photo=photo)
    content = {JSON: {"schema": as_json}, "multipart/form-data": {"schema": as_form}}
    return {"required": True, "content": content}


def _threads() -> dict[str, Op]:
    flag = json_body(fields(reason=nullable(REASON)), required=False)
    flagged, following = obj(flagged=TRUE), obj(following=TRUE)
    return {
        "GET /communes/{slug}/threads": Op(
            "A commune's threads, newest first",
            {200: listing(ref("Thread"), paged=True)},
            errors=(403, 422),
            params=(CURSOR, LIMIT),
        ),
        "POST /communes/{slug}/threads": Op(
            "Ask a question or report a problem",
            {201: ref("Thread")},
            errors=(403, 422),
            body=_new_thread_body(),
            params=(IDEMPOTENCY_KEY,),
            limited=True,
            description="403 for a non-member or a member stopped from posting.",
            special=replayed(ref("Thread")),
        ),
        "GET /threads/{thread_id}": Op(
            "A thread with its replies and history", {200: ref("ThreadView")}
        ),
        "PATCH /threads/{thread_id}": Op(
            "Change a thread's status (official)",
            {200: ref("ThreadChanged")},
            errors=OFFICIALS,
            body=json_body(fields("status", status=enum(STATUSES), note=nullable(BODY))),
            description="422 for its current status, or for declined without a note.",
        ),
        "POST /threads/{thread_id}/replies": Op(
            "Reply in a thread",
            {201: ref("Reply")},
            errors=(403, 422),
            body=json_body(fields("body", body=BODY)),
            params=(IDEMPOTENCY_KEY,),
            limited=True,
            special=replayed(ref("Reply")),
        ),
        "POST /threads/{thread_id}/follow": Op("Follow a thread", {201: following, 200: following}),
        "DELETE /threads/{thread_id}/follow": Op("Stop following a thread", {204: None}),
        "POST /threads/{thread_id}/flag": Op(
            "Report a thread to the officials",
            {201: flagged, 200: flagged},
            errors=(403, 422),
            body=flag,
            description="Officials hide posts instead (403); flagging one's own post is 422.",
        ),
        "POST /replies/{reply_id}/flag": Op(
            "Report a reply to the officials",
            {201: flagged, 200: flagged},
            errors=(403, 422),
            body=flag,
        ),
    }


def _announcements() -> dict[str, Op]:
    properties = {
        "title": LINE,
        "body": BODY,
        "urgent": {
            **nullable(BOOL),
            "description": "a warning that cannot wait: sent with Urgency high, shown first; "
            "default false",
        },
        "pinned": nullable(BOOL),
        "expires_at": {**nullable(TIME), "description": "in the future; null: never"},
    }
    return {
        "GET /communes/{slug}/announcements": Op(
            "Announcements: urgent, then pinned, then newest first (the latest 50)",
            {200: listing(ref("Announcement"))},
            errors=(403,),
        ),
        "POST /communes/{slug}/announcements": Op(
            "Post an announcement (official)",
            {201: ref("Announcement")},
            errors=OFFICIALS,
            body=json_body(fields("title", "body", **properties)),
        ),
        "GET /announcements/{announcement_id}": Op(
            "An announcement", {200: ref("Announcement")}, errors=(403,)
        ),
        "PATCH /announcements/{announcement_id}": Op(
            "Edit, mark urgent, pin or set the expiry of an announcement (official)",
            {200: ref("Announcement")},
            errors=OFFICIALS,
            body=json_body(fields(**properties)),
            description="Any of the fields; none of them is 422.",
        ),
    }


def _push() -> dict[str, Op]:
    endpoint = {"type": "string", "minLength": 1}
    keys = fields("p256dh", "auth", p256dh=STR, auth=STR)
    subscription = fields(
        "endpoint", "keys", endpoint=endpoint, expirationTime=nullable(NUMBER), keys=keys
    )
    switches = fields(
        **dict.fromkeys(("answers", "discussion", "announcements", "new_threads"), BOOL)
    )
    subscribed = obj(subscribed=TRUE)
    return {
        "GET /push/key": Op(
            "The VAPID application server key", {200: obj(public_key=STR)}, signed_in=False
        ),
        "POST /push/subscriptions": Op(
            "Subscribe this browser (PushSubscription.toJSON())",
            {201: subscribed, 200: subscribed},
            errors=(422,),
            body=json_body(subscription),
        ),
        "DELETE /push/subscriptions": Op(
            "Unsubscribe this browser",
            {204: None},
            errors=(422,),
            body=json_body(fields("endpoint", endpoint=endpoint)),
        ),
        "GET /communes/{slug}/notifications": Op(
            "My notification switches in a commune", {200: ref("Preferences")}, errors=(403,)
        ),
        "PUT /communes/{slug}/notifications": Op(
            "Turn kinds of notification on or off",
            {200: ref("Preferences")},
            errors=(403, 422),
            body=json_body({**switches, "additionalProperties": False}),
        ),
    }


def _workspace() -> dict[str, Op]:
    commune = query(
        "commune", array(SLUG), "Only these (default: all I serve).", style="form", explode=True
    )
    inbox = (
        commune,
        query("status", enum(INBOX_STATUSES), "open (the default), all, or one status"),
        query("kind", enum(KINDS)),
        query("category", {"type": "string", "pattern": "^(none|[0-9]{1,10})$"}),
        query("assignee", {"type": "string", "pattern": "^(none|me|[0-9]{1,10})$"}),
        query("q", {"type": "string", "maxLength": 200}, "Words to search for."),
        query("cursor", {"type": "string", "pattern": "^([01]-[0-9]{1,18})?$"}),
        LIMIT,
    )
    canned = {"title": text(80, line=True), "body": BODY}
    code = {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$"}  # categories
    category_name = text(80, line=True)
    return {
        "GET /inbox": Op(
            "The officials' inbox: unanswered first, then oldest first",
            {200: listing(ref("WorkspaceThread"), paged=True)},
            errors=(403, 404, 422),
            params=inbox,
        ),
        "GET /threads/{thread_id}/notes": Op(
            "A thread's internal notes", {200: listing(ref("Note"))}, errors=(403,)
        ),
        "POST /threads/{thread_id}/notes": Op(
            "Add an internal note",
            {201: ref("Note")},
            errors=OFFICIALS,
            body=json_body(fields("body", body=BODY)),
        ),
        "PUT /threads/{thread_id}/assignee": Op(
            "Assign a thread to an official of its commune, or to nobody",
            {200: obj(id=ID, assignee=nullable(ref("Person")))},
            errors=OFFICIALS,
            body=json_body(fields(assignee=ID_OR_NONE)),
        ),
        "PUT /threads/{thread_id}/category": Op(
            "Set a thread's category, or none",
            {200: obj(id=ID, category=nullable(ref("Category")))},
            errors=OFFICIALS,
            body=json_body(fields(category=ID_OR_NONE)),
        ),
        "POST /threads/{thread_id}/hide": Op(
            "Hide a thread, with a reason", {200: ref("Thread")}, OFFICIALS, body=REQUIRED_REASON
        ),
        "POST /threads/{thread_id}/restore": Op(
            "Show a hidden thread again, or dismiss its flags",
            {200: ref("Thread")},
            OFFICIALS,
            body=OPTIONAL_REASON,
        ),
        "POST /replies/{reply_id}/hide": Op(
            "Hide a reply, with a reason", {200: ref("Reply")}, OFFICIALS, body=REQUIRED_REASON
        ),
        "POST /replies/{reply_id}/restore": Op(
            "Show a hidden reply again, or dismiss its flags",
            {200: ref("Reply")},
            OFFICIALS,
            body=OPTIONAL_REASON,
        ),
        "GET /communes/{slug}/assignees": Op(
            "The officials a thread can be assigned to", {200: listing(ref("Person"))}, (403,)
        ),
        "GET /communes/{slug}/canned-replies": Op(
            "Canned replies", {200: listing(ref("CannedReply"))}, (403,)
        ),
        "POST /communes/{slug}/canned-replies": Op(
            "Add a canned reply",
            {201: ref("CannedReply")},
            OFFICIALS,
            body=json_body(fields("title", "body", **canned)),
        ),
        "PATCH /canned-replies/{canned_id}": Op(
            "Change a canned reply (title, body or both)",
            {200: ref("CannedReply")},
            OFFICIALS,
            body=json_body(fields(**canned)),
        ),
        "DELETE /canned-replies/{canned_id}": Op("Delete a canned reply", {204: None}, (403,)),
        "GET /communes/{slug}/categories": Op(
            "Categories to choose from",
            {200: listing({"anyOf": [ref("Category"), ref("CategoryFull")]})},
            (403, 422),
            params=(flag_query("archived", "1: archived ones too (officials), in full"),),
        ),
        "POST /communes/{slug}/categories": Op(
            "Add a category",
            {201: ref("CategoryFull")},
            (403, 409, 422),
            body=json_body(fields("name", name=category_name, code=nullable(code))),
        ),
        "PATCH /categories/{category_id}": Op(
            "Rename, move, archive or restore a category",
            {200: ref("CategoryFull")},
            (403, 409, 422),
            body=json_body(fields(name=category_name, position=COUNT, archived=BOOL)),
        ),
        "GET /communes/{slug}/similar": Op(
            "Open threads like the text being typed",
            {200: listing(ref("Thread"))},
            (403, 422),
            params=(query("q", {"type": "string", "maxLength": 4000}),),
        ),
        "GET /communes/{slug}/flags": Op(
            "Flagged posts to review", {200: listing(ref("FlaggedPost"))}, (403,)
        ),
        "GET /communes/{slug}/members": Op(
            "Members, newest first",
            {200: listing(ref("Member"), paged=True)},
            (403, 422),
            params=(flag_query("blocked", "1: only those stopped from posting"), CURSOR, LIMIT),
        ),
        "PUT /communes/{slug}/members/{member_id}/block": Op(
            "Stop a resident from posting", {200: ref("Member")}, OFFICIALS, body=REQUIRED_REASON
        ),
        "DELETE /communes/{slug}/members/{member_id}/block": Op(
            "Let a resident post again", {200: ref("Member")}, OFFICIALS
        ),
        "GET /audit": Op(
            "The audit log, newest first",
            {200: listing(ref("AuditEvent"), paged=True)},
            (403, 404, 422),
            params=(query("commune", SLUG, "Only this commune."), CURSOR, LIMIT),
        ),
    }


def _admin() -> dict[str, Op]:
    csv = {"type": "string", "description": "columns code, name, district, province"}
    upload = fields("file", file={"type": "string", "contentMediaType": "text/csv"})
    import_body = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
    import_body["content"] |= {"text/csv": {"schema": csv}, "text/plain": {"schema": csv}}
    rows = array(obj(line={"type": "integer", "minimum": 1}, message=STR))
    rejected = {"properties": {"error": {"properties": {"rows": rows}}}}
    accepted = obj(user=ref("User"), communes=array(ref("MyCommune")))
    code = {"type": "string", "pattern": CODE_PATTERN.pattern}
    invite = fields(
        "email",
        "communes",
        email={"type": "string", "maxLength": 254},
        display_name=nullable(NAME),
        communes={"anyOf": [array(SLUG), SLUG], "description": "1 to 200 slugs"},
    )
    place = {"type": "string", "maxLength": 120}
    return {
        "POST /communes/import": Op(
            "Import communes from a CSV file (admin): every row or none",
            {200: obj(created=COUNT, updated=COUNT, unchanged=COUNT)},
            (403, 413, 415),
            body=import_body,
            special={
                422: {
                    "description": "Nothing applied: no file, or the bad lines (`rows`).",
                    "content": {JSON: {"schema": {"allOf": [ref("Error"), rejected]}}},
                }
            },
        ),
        "PATCH /communes/{slug}": Op(
            "Edit a commune (admin); null or empty clears district, province, code;"
            " open311_public: whether Open311 publishes its public reports",
            {200: ref("CommuneAdmin")},
            (403, 409, 422),
            body=json_body(
                fields(
                    name=text(120, line=True),
                    district=nullable(PLACE),
                    province=nullable(PLACE),
                    code=nullable(code),
                    open311_public=BOOL,
                )
            ),
        ),
        "POST /communes/{slug}/rotate-token": Op(
            "Replace the commune's QR board (admin); the old token then answers 410",
            {200: obj(join_url=STR)},
            (403,),
        ),
        "GET /communes/{slug}/officials": Op(
            "A commune's officials (admin)",
            {200: listing(obj(id=ID, display_name=STR, email=nullable(STR)))},
            (403,),
        ),
        "DELETE /communes/{slug}/officials/{account_id}": Op(
            "Revoke an official in one commune (admin)", {204: None}, (403, 409)
        ),
        "DELETE /officials/{account_id}": Op(
            "Revoke an official in every commune (admin)",
            {200: obj(communes=array(STR))},
            (403, 409),
        ),
        "POST /invites": Op(
            "Invite an official (admin)",
            {201: ref("NewInvitation")},
            (403, 422),
            body=json_body(invite),
        ),
        "GET /invites": Op(
            "Pending invitations (admin)", {200: listing(ref("Invitation"))}, (403,)
        ),
        "DELETE /invites/{invitation_id}": Op(
            "Withdraw an invitation (admin)", {204: None}, (403, 409)
        ),
        "POST /invites/{token}/accept": Op(
            "Accept an invitation; sets the session cookie",
            {201: accepted, 200: accepted},
            (409, 410, 422),
            signed_in=False,
            body=json_body(fields(display_name=NAME, password=text(1024, min_len=10))),
            description="201: a new account; 200: the signed-in account with the invited email "
            "(409 when that email has an account the caller is not signed in to).",
        ),
        "GET /communes/{slug}/stats": Op(
            "A commune's statistics (admin, or its official)",
            {200: ref("CommuneStats")},
            (403, 422),
            params=(WEEKS,),
        ),
        "GET /communes/{slug}/stats/public": Op(
            "A commune's public response figures",
            {200: ref("PublicStats")},
            (422,),
            signed_in=False,
            params=(WEEKS,),
        ),
        "GET /stats": Op(
            "Statistics of every commune, by province and district (admin)",
            {200: ref("AdminStats")},
            (403, 422),
            params=(query("province", place), query("district", place), WEEKS),
        ),
    }


def _open311_clients() -> dict[str, Op]:
    return {
        "POST /open311/clients": Op(
            "Issue an Open311 API key (admin)",
            {201: ref("NewApiClient")},
            (403, 422),
            body=json_body(fields("name", name=text(120, line=True))),
        ),
        "GET /open311/clients": Op(
            "Open311 API clients (admin)", {200: listing(ref("ApiClient"))}, (403,)
        ),
        "DELETE /open311/clients/{client_id}": Op(
            "Revoke an Open311 API key (admin)", {204: None}, (403,)
        ),
    }


def _meta() -> dict[str, Op]:
    document_schema = {"type": "object", "required": ["openapi", "info", "paths"]}
    return {
        "GET /openapi.json": Op("This document", {200: document_schema}, signed_in=False),
    }


GROUPS = {
    "auth": _auth,
    "accounts": _accounts,
    "communes": _communes,
    "threads": _threads,
    "announcements": _announcements,
    "push": _push,
    "workspace": _workspace,
    "admin": _admin,
    "open311": _open311_clients,
    "meta": _meta,
}

DESCRIPTION = """\
The JSON API of commune-feedback; docs/api.md says more. Bodies are JSON (at most 1 MB) unless an
operation says otherwise; times are ISO 8601 in UTC.

Sign-in is a session cookie. Every POST, PUT, PATCH and DELETE must also carry an `Origin`
header equal to the site's own origin, or it is refused (403): the cookie alone is not enough.

Errors have a 4xx status and the body `{"error": {"code", "message", "field"?}}`, with the
message in the caller's language. 503 (with Retry-After) means the database is unavailable for
a moment. Sign-in, joining and posting are rate limited (429, with Retry-After)."""


def build_document(cookie_name: str = "cf_session") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, as a new dict."""
    paths: dict[str, Schema] = {}
    for tag, group in GROUPS.items():
        for key, op in group().items():
            method, path = key.split(" ", 1)
            paths.setdefault(path, {})[method.lower()] = op.build(method, path, tag)
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
    return {
        "openapi": "3.1.0",
        "info": {"title": "commune-feedback API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": tag} for tag in GROUPS],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": _schemas(),
            "responses": responses,
            "parameters": {
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
                "Limit": query(
                    "limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size (20)."
                ),
                "Cursor": query(
                    "cursor",
                    {"type": "string", "pattern": "^[0-9]{0,18}$"},
                    "The previous page's next_cursor; empty: the first page.",
                ),
            },
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": cookie_name,
                    "description": "Set by POST /join (residents), POST /auth/login and POST "
                    "/invites/{token}/accept (staff). Unsafe methods also need the Origin header.",
                }
            },
        },
    }
