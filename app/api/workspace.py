"""``/api/v1`` endpoints of the officials' workspace: inbox and search, canned replies, notes,
assignment, categories, moderation, the audit log; and the two things residents use while
asking (categories to choose from, similar threads to follow instead)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.api.helpers import json_body, require_account
from app.api.spec import (
    CURSOR,
    LIMIT,
    OFFICIALS,
    SLUG,
    array,
    documented,
    enum,
    flag_query,
    query,
)
from app.communes.services import get_commune
from app.extensions import db
from app.membership.services import officials_of
from app.schema.load import load
from app.schema.query import LimitQuery, parameter_schema
from app.threads.categories import create_category, listed_categories, update_category
from app.threads.duplicates import similar_threads
from app.threads.models import KINDS
from app.threads.moderation import (
    Post,
    block_member,
    flagged_posts,
    hide_post,
    members,
    restore_post,
    unblock_member,
)
from app.threads.notes import add_note, assign_thread, recategorise_thread, thread_notes
from app.threads.schemas import (
    Category,
    CategoryFull,
    NewNote,
    OptionalReason,
    Reply,
    RequiredReason,
    SimilarQuery,
    SimilarThreads,
    Thread,
)
from app.threads.services import reply_counts
from app.workspace.access import official_commune, served_communes
from app.workspace.audit_log import audit_commune_names, audit_log
from app.workspace.audit_schemas import AuditEvent, AuditLog
from app.workspace.canned import (
    canned_replies,
    create_canned_reply,
    delete_canned_reply,
    update_canned_reply,
)
from app.workspace.inbox import (
    INBOX_SORTS,
    INBOX_STATUSES,
    clean_inbox_cursor,
    clean_inbox_filters,
    format_inbox_cursor,
    search_elsewhere,
    workspace_inbox,
)
from app.workspace.schemas import (
    Assigned,
    Assignment,
    AuditQuery,
    CannedReply,
    CannedReplyChange,
    CannedReplyList,
    CategoriesQuery,
    CategoryChange,
    CategoryList,
    Elsewhere,
    FlaggedPost,
    FlaggedPostList,
    Inbox,
    Member,
    MemberList,
    MembersQuery,
    NewCannedReply,
    NewCategory,
    Note,
    NoteList,
    Person,
    PersonList,
    Recategorisation,
    Recategorised,
    WorkspaceThread,
)

bp = Blueprint("workspace", __name__)
INBOX_QUERY = (
    query("commune", array(SLUG), "Only these (default: all I serve).", style="form", explode=True),
    query("status", enum(INBOX_STATUSES), "open (the default), all, or one status"),
    query("kind", enum(KINDS)),
    query("category", {"type": "string", "pattern": "^(none|[0-9]{1,10})$"}),
    query("assignee", {"type": "string", "pattern": "^(none|me|[0-9]{1,10})$"}),
    query("q", {"type": "string", "maxLength": 200}, "Words to search for."),
    flag_query("overdue", "1: only threads past a deadline"),
    query("sort", enum(INBOX_SORTS), "deadline: nearest deadline first; supporters: most first"),
    query("cursor", {"type": "string", "pattern": "^([01s]-[0-9]{1,18})?$"}),
    LIMIT,
)


# --- inbox ------------------------------------------------------------------------------------


@bp.get("/inbox")
@documented(
    "The officials' inbox: unanswered first, then oldest first",
    {200: Inbox},
    403,
    404,
    422,
    params=INBOX_QUERY,
)
def inbox() -> Response:
    account = require_account()
    slugs = request.args.getlist("commune")
    communes = [official_commune(slug, account) for slug in slugs] or served_communes(account)
    filters = clean_inbox_filters(request.args, account)
    after = clean_inbox_cursor(request.args.get("cursor", ""))
    items, next_cursor = workspace_inbox(
        account, communes, filters, after=after, limit=load(LimitQuery, request.args).size()
    )
    # As the page does: a search that found nothing here says what the other statuses hold.
    elsewhere = None if after else search_elsewhere(communes, filters, found=bool(items))
    listed = Inbox(
        items=[WorkspaceThread.of_item(item) for item in items],
        next_cursor=format_inbox_cursor(next_cursor),
        elsewhere=Elsewhere.of(elsewhere),
    )
    return jsonify(listed.dump())


# --- notes, assignment, category, hiding --------------------------------------------------------


@bp.get("/threads/<id:thread_id>/notes")
@documented("A thread's internal notes", {200: NoteList}, 403)
def notes(thread_id: int) -> Response:
    items = [Note.of(note) for note in thread_notes(thread_id, require_account())]
    return jsonify(NoteList(items=items).dump())


@bp.post("/threads/<id:thread_id>/notes")
@documented("Add an internal note", {201: Note}, *OFFICIALS, body=NewNote)
def create_note(thread_id: int) -> tuple[Response, int]:
    note = add_note(thread_id, require_account(), json_body())
    db.session.commit()
    return jsonify(Note.of(note).dump()), 201


@bp.put("/threads/<id:thread_id>/assignee")
@documented(
    "Assign a thread to an official of its commune, or to nobody",
    {200: Assigned},
    *OFFICIALS,
    body=Assignment,
)
def assign(thread_id: int) -> Response:
    thread = assign_thread(thread_id, require_account(), json_body())
    db.session.commit()
    assignee = Person.model_validate(thread.assignee) if thread.assignee else None
    return jsonify(Assigned(id=thread.id, assignee=assignee).dump())


@bp.put("/threads/<id:thread_id>/category")
@documented(
    "Set a thread's category, or none", {200: Recategorised}, *OFFICIALS, body=Recategorisation
)
def recategorise(thread_id: int) -> Response:
    thread = recategorise_thread(thread_id, require_account(), json_body())
    db.session.commit()
    category = Category.model_validate(thread.category) if thread.category else None
    return jsonify(Recategorised(id=thread.id, category=category).dump())


def _post_json(post: Post) -> dict:
    if post.reply is not None:
        return Reply.of(post.reply).dump()
    return Thread.of(post.thread, reply_counts([post.thread])[post.thread.id]).dump()


@bp.post("/threads/<id:thread_id>/hide")
@documented("Hide a thread, with a reason", {200: Thread}, *OFFICIALS, body=RequiredReason)
def hide_thread(thread_id: int) -> Response:
    post = hide_post("thread", thread_id, require_account(), json_body())
    db.session.commit()
    return jsonify(_post_json(post))


@bp.post("/threads/<id:thread_id>/restore")
@documented(
    "Show a hidden thread again, or dismiss its flags",
    {200: Thread},
    *OFFICIALS,
    body=OptionalReason,
    body_required=False,
)
def restore_thread(thread_id: int) -> Response:
    post = restore_post("thread", thread_id, require_account(), _optional_body())
    db.session.commit()
    return jsonify(_post_json(post))


@bp.post("/replies/<id:reply_id>/hide")
@documented("Hide a reply, with a reason", {200: Reply}, *OFFICIALS, body=RequiredReason)
def hide_reply(reply_id: int) -> Response:
    post = hide_post("reply", reply_id, require_account(), json_body())
    db.session.commit()
    return jsonify(_post_json(post))


@bp.post("/replies/<id:reply_id>/restore")
@documented(
    "Show a hidden reply again, or dismiss its flags",
    {200: Reply},
    *OFFICIALS,
    body=OptionalReason,
    body_required=False,
)
def restore_reply(reply_id: int) -> Response:
    post = restore_post("reply", reply_id, require_account(), _optional_body())
    db.session.commit()
    return jsonify(_post_json(post))


def _optional_body() -> dict:
    return json_body() if request.content_length or request.mimetype == "application/json" else {}


# --- per commune: officials, canned replies, categories, flags, members ------------------------


@bp.get("/communes/<slug>/assignees")
@documented("The officials a thread can be assigned to", {200: PersonList}, 403)
def assignees(slug: str) -> Response:
    """The officials a thread of this commune can be assigned to."""
    commune = official_commune(slug, require_account())
    items = [Person.model_validate(account) for account in officials_of(commune)]
    return jsonify(PersonList(items=items).dump())


@bp.get("/communes/<slug>/canned-replies")
@documented("Canned replies", {200: CannedReplyList}, 403)
def canned_index(slug: str) -> Response:
    account = require_account()
    commune = get_commune(slug)
    items = [CannedReply.model_validate(c) for c in canned_replies(commune, account)]
    return jsonify(CannedReplyList(items=items).dump())


@bp.post("/communes/<slug>/canned-replies")
@documented("Add a canned reply", {201: CannedReply}, *OFFICIALS, body=NewCannedReply)
def canned_create(slug: str) -> tuple[Response, int]:
    account = require_account()
    canned = create_canned_reply(get_commune(slug), account, json_body())
    db.session.commit()
    return jsonify(CannedReply.model_validate(canned).dump()), 201


@bp.patch("/canned-replies/<id:canned_id>")
@documented(
    "Change a canned reply (title, body or both)",
    {200: CannedReply},
    *OFFICIALS,
    body=CannedReplyChange,
)
def canned_update(canned_id: int) -> Response:
    canned = update_canned_reply(canned_id, require_account(), json_body())
    db.session.commit()
    return jsonify(CannedReply.model_validate(canned).dump())


@bp.delete("/canned-replies/<id:canned_id>")
@documented("Delete a canned reply", {204: None}, 403)
def canned_delete(canned_id: int) -> tuple[str, int]:
    delete_canned_reply(canned_id, require_account())
    db.session.commit()
    return "", 204


@bp.get("/communes/<slug>/categories")
@documented(
    "Categories to choose from",
    {200: CategoryList},
    403,
    422,
    params=(flag_query("archived", "1: archived ones too (officials), in full"),),
)
def categories(slug: str) -> Response:
    account = require_account()
    archived = load(CategoriesQuery, request.args).archived
    items = listed_categories(get_commune(slug), account, archived=archived)
    shape = CategoryFull if archived else Category
    return jsonify(CategoryList(items=[shape.model_validate(c) for c in items]).dump())


@bp.post("/communes/<slug>/categories")
@documented("Add a category", {201: CategoryFull}, 403, 409, 422, body=NewCategory)
def category_create(slug: str) -> tuple[Response, int]:
    account = require_account()
    category = create_category(get_commune(slug), account, json_body())
    db.session.commit()
    return jsonify(CategoryFull.model_validate(category).dump()), 201


@bp.patch("/categories/<id:category_id>")
@documented(
    "Rename, move, archive or restore a category",
    {200: CategoryFull},
    403,
    409,
    422,
    body=CategoryChange,
)
def category_update(category_id: int) -> Response:
    category = update_category(category_id, require_account(), json_body())
    db.session.commit()
    return jsonify(CategoryFull.model_validate(category).dump())


@bp.get("/communes/<slug>/similar")
@documented(
    "Open threads like the text being typed",
    {200: SimilarThreads},
    403,
    422,
    params=(query("q", parameter_schema(SimilarQuery, "q")),),
)
def similar(slug: str) -> Response:
    account = require_account()
    text = load(SimilarQuery, request.args).q
    threads = similar_threads(get_commune(slug), account, text)
    counts = reply_counts(threads)
    items = [Thread.of(thread, counts[thread.id]) for thread in threads]
    return jsonify(SimilarThreads(items=items).dump())


@bp.get("/communes/<slug>/flags")
@documented("Flagged posts to review", {200: FlaggedPostList}, 403)
def flags(slug: str) -> Response:
    account = require_account()
    items = [FlaggedPost.of(item) for item in flagged_posts(get_commune(slug), account)]
    return jsonify(FlaggedPostList(items=items).dump())


@bp.get("/communes/<slug>/members")
@documented(
    "Members, newest first",
    {200: MemberList},
    403,
    422,
    params=(flag_query("blocked", "1: only those stopped from posting"), CURSOR, LIMIT),
)
def member_index(slug: str) -> Response:
    account = require_account()
    query = load(MembersQuery, request.args)
    page, next_cursor = members(
        get_commune(slug),
        account,
        blocked_only=query.blocked,
        before_id=query.cursor,
        limit=query.size(),
    )
    listed = MemberList(
        items=[Member.of(m) for m in page],
        next_cursor=str(next_cursor) if next_cursor is not None else None,
    )
    return jsonify(listed.dump())


@bp.put("/communes/<slug>/members/<id:member_id>/block")
@documented("Stop a resident from posting", {200: Member}, *OFFICIALS, body=RequiredReason)
def block(slug: str, member_id: int) -> Response:
    account = require_account()
    membership = block_member(get_commune(slug), account, member_id, json_body())
    db.session.commit()
    return jsonify(Member.of(membership).dump())


@bp.delete("/communes/<slug>/members/<id:member_id>/block")
@documented("Let a resident post again", {200: Member}, *OFFICIALS)
def unblock(slug: str, member_id: int) -> Response:
    account = require_account()
    membership = unblock_member(get_commune(slug), account, member_id)
    db.session.commit()
    return jsonify(Member.of(membership).dump())


# --- the audit log: read only -------------------------------------------------------------------


@bp.get("/audit")
@documented(
    "The audit log, newest first",
    {200: AuditLog},
    403,
    404,
    422,
    params=(query("commune", SLUG, "Only this commune."), CURSOR, LIMIT),
)
def audit() -> Response:
    account = require_account()
    query = load(AuditQuery, request.args)
    rows, next_cursor = audit_log(
        account, query.commune, before_id=query.cursor, limit=query.size()
    )
    slugs = audit_commune_names(rows)
    listed = AuditLog(
        items=[AuditEvent.of(row, slugs) for row in rows],
        next_cursor=str(next_cursor) if next_cursor is not None else None,
    )
    return jsonify(listed.dump())
