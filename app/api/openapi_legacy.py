"""The hand-written part of the OpenAPI document, for the routes not yet declared next to
their view with ``app.api.spec.documented`` (each resource moves out of here when converted)."""

from __future__ import annotations

from app.api.spec import (
    BOOL,
    COUNT,
    ID,
    INT,
    JSON,
    NUMBER,
    OFFICIALS,
    ROLE,
    SLUG,
    STR,
    TIME,
    TRUE,
    Op,
    Schema,
    array,
    enum,
    fields,
    json_body,
    listing,
    nullable,
    obj,
    optional,
    parameter,
    query,
    ref,
    text,
)
from app.threads.models import KINDS, STATUSES, VISIBILITIES
from app.threads.services import INBOX_STATUSES


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
    switches = ("answers", "discussion", "announcements", "new_threads")
    return {
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
OPTIONAL_REASON = json_body(fields(reason=nullable(REASON)), required=False)
REQUIRED_REASON = json_body(fields("reason", reason=REASON))
ID_OR_NONE: Schema = {"type": ["integer", "string", "null"], "description": "an id, or null"}
CODE = {"type": "string", "maxLength": 40, "description": "6 digits, or a recovery code"}


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


GROUPS = {
    "threads": _threads,
    "workspace": _workspace,
}


def legacy_operations() -> dict[str, tuple[str, Op]]:
    """``"METHOD /path"``: (tag, operation), for the routes not yet declared with
    ``@documented``."""
    return {key: (tag, op) for tag, group in GROUPS.items() for key, op in group().items()}


def legacy_schemas() -> dict[str, Schema]:
    """The components those operations refer to by name."""
    return _schemas()
