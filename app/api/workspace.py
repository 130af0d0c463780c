"""``/api/v1`` endpoints of the officials' workspace: inbox and search, canned replies, notes,
assignment, categories, moderation, the audit log; and the two things residents use while
asking (categories to choose from, similar threads to follow instead)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _

from app.api.helpers import cursor_arg, json_body, page_size, require_account
from app.api.schemas import (
    audit_event_json,
    canned_reply_json,
    category_json,
    member_json,
    note_json,
    person_json,
    reply_json,
    thread_json,
    workspace_thread_json,
)
from app.audit.log import audit_commune_names, audit_log
from app.communes.services import get_commune
from app.errors import ValidationError
from app.extensions import db
from app.membership.services import officials_of
from app.threads.categories import create_category, listed_categories, update_category
from app.threads.duplicates import similar_threads
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
from app.threads.services import reply_counts
from app.workspace.access import official_commune, served_communes
from app.workspace.canned import (
    canned_replies,
    create_canned_reply,
    delete_canned_reply,
    update_canned_reply,
)
from app.workspace.inbox import (
    clean_inbox_cursor,
    clean_inbox_filters,
    format_inbox_cursor,
    workspace_inbox,
)

bp = Blueprint("workspace", __name__)


def _flag_arg(name: str) -> bool:
    value = request.args.get(name, "")
    if value not in ("", "0", "1", "true", "false"):
        raise ValidationError(_("%(name)s must be 0 or 1.", name=name), field=name)
    return value in ("1", "true")


# --- inbox ------------------------------------------------------------------------------------


@bp.get("/inbox")
def inbox() -> Response:
    account = require_account()
    slugs = request.args.getlist("commune")
    communes = [official_commune(slug, account) for slug in slugs] or served_communes(account)
    filters = clean_inbox_filters(request.args, account)
    items, next_cursor = workspace_inbox(
        account,
        communes,
        filters,
        after=clean_inbox_cursor(request.args.get("cursor", "")),
        limit=page_size(),
    )
    return jsonify(
        items=[
            workspace_thread_json(
                item.thread,
                reply_count=item.reply_count,
                answered=item.answered,
                unread=item.unread,
                open_flags=item.open_flags,
            )
            for item in items
        ],
        next_cursor=format_inbox_cursor(next_cursor),
    )


# --- notes, assignment, category, hiding --------------------------------------------------------


@bp.get("/threads/<id:thread_id>/notes")
def notes(thread_id: int) -> Response:
    return jsonify(items=[note_json(note) for note in thread_notes(thread_id, require_account())])


@bp.post("/threads/<id:thread_id>/notes")
def create_note(thread_id: int) -> tuple[Response, int]:
    note = add_note(thread_id, require_account(), json_body())
    db.session.commit()
    return jsonify(note_json(note)), 201


@bp.put("/threads/<id:thread_id>/assignee")
def assign(thread_id: int) -> Response:
    thread = assign_thread(thread_id, require_account(), json_body())
    db.session.commit()
    return jsonify(id=thread.id, assignee=person_json(thread.assignee))


@bp.put("/threads/<id:thread_id>/category")
def recategorise(thread_id: int) -> Response:
    thread = recategorise_thread(thread_id, require_account(), json_body())
    db.session.commit()
    return jsonify(
        id=thread.id, category=category_json(thread.category) if thread.category else None
    )


def _post_json(post: Post) -> dict:
    if post.reply is not None:
        return reply_json(post.reply)
    return thread_json(post.thread, reply_counts([post.thread])[post.thread.id])


@bp.post("/threads/<id:thread_id>/hide")
def hide_thread(thread_id: int) -> Response:
    post = hide_post("thread", thread_id, require_account(), json_body())
    db.session.commit()
    return jsonify(_post_json(post))


@bp.post("/threads/<id:thread_id>/restore")
def restore_thread(thread_id: int) -> Response:
    post = restore_post("thread", thread_id, require_account(), _optional_body())
    db.session.commit()
    return jsonify(_post_json(post))


@bp.post("/replies/<id:reply_id>/hide")
def hide_reply(reply_id: int) -> Response:
    post = hide_post("reply", reply_id, require_account(), json_body())
    db.session.commit()
    return jsonify(_post_json(post))


@bp.post("/replies/<id:reply_id>/restore")
def restore_reply(reply_id: int) -> Response:
    post = restore_post("reply", reply_id, require_account(), _optional_body())
    db.session.commit()
    return jsonify(_post_json(post))


def _optional_body() -> dict:
    return json_body() if request.content_length or request.mimetype == "application/json" else {}


# --- per commune: officials, canned replies, categories, flags, members ------------------------


@bp.get("/communes/<slug>/assignees")
def assignees(slug: str) -> Response:
    """The officials a thread of this commune can be assigned to."""
    commune = official_commune(slug, require_account())
    return jsonify(items=[person_json(account) for account in officials_of(commune)])


@bp.get("/communes/<slug>/canned-replies")
def canned_index(slug: str) -> Response:
    account = require_account()
    commune = get_commune(slug)
    return jsonify(items=[canned_reply_json(c) for c in canned_replies(commune, account)])


@bp.post("/communes/<slug>/canned-replies")
def canned_create(slug: str) -> tuple[Response, int]:
    account = require_account()
    canned = create_canned_reply(get_commune(slug), account, json_body())
    db.session.commit()
    return jsonify(canned_reply_json(canned)), 201


@bp.patch("/canned-replies/<id:canned_id>")
def canned_update(canned_id: int) -> Response:
    canned = update_canned_reply(canned_id, require_account(), json_body())
    db.session.commit()
    return jsonify(canned_reply_json(canned))


@bp.delete("/canned-replies/<id:canned_id>")
def canned_delete(canned_id: int) -> tuple[str, int]:
    delete_canned_reply(canned_id, require_account())
    db.session.commit()
    return "", 204


@bp.get("/communes/<slug>/categories")
def categories(slug: str) -> Response:
    account = require_account()
    archived = _flag_arg("archived")
    items = listed_categories(get_commune(slug), account, archived=archived)
    return jsonify(items=[category_json(c, full=archived) for c in items])


@bp.post("/communes/<slug>/categories")
def category_create(slug: str) -> tuple[Response, int]:
    account = require_account()
    category = create_category(get_commune(slug), account, json_body())
    db.session.commit()
    return jsonify(category_json(category, full=True)), 201


@bp.patch("/categories/<id:category_id>")
def category_update(category_id: int) -> Response:
    category = update_category(category_id, require_account(), json_body())
    db.session.commit()
    return jsonify(category_json(category, full=True))


@bp.get("/communes/<slug>/similar")
def similar(slug: str) -> Response:
    account = require_account()
    threads = similar_threads(get_commune(slug), account, request.args.get("q", ""))
    counts = reply_counts(threads)
    return jsonify(items=[thread_json(thread, counts[thread.id]) for thread in threads])


@bp.get("/communes/<slug>/flags")
def flags(slug: str) -> Response:
    account = require_account()
    items = []
    for item in flagged_posts(get_commune(slug), account):
        post = item.post
        items.append(
            {
                "type": post.kind,
                "id": post.id,
                "thread_id": post.thread.id,
                "body": post.target.body,
                "author": person_json(post.target.author),
                "hidden": post.target.hidden_at is not None,
                "hidden_reason": post.target.hidden_reason,
                "flags": item.flags,
                "counted": item.counted,
                "protected": item.protected,
                "reasons": item.reasons,
            }
        )
    return jsonify(items=items)


@bp.get("/communes/<slug>/members")
def member_index(slug: str) -> Response:
    account = require_account()
    page, next_cursor = members(
        get_commune(slug),
        account,
        blocked_only=_flag_arg("blocked"),
        before_id=cursor_arg(),
        limit=page_size(),
    )
    return jsonify(
        items=[member_json(m) for m in page],
        next_cursor=str(next_cursor) if next_cursor is not None else None,
    )


@bp.put("/communes/<slug>/members/<id:member_id>/block")
def block(slug: str, member_id: int) -> Response:
    account = require_account()
    membership = block_member(get_commune(slug), account, member_id, json_body())
    db.session.commit()
    return jsonify(member_json(membership))


@bp.delete("/communes/<slug>/members/<id:member_id>/block")
def unblock(slug: str, member_id: int) -> Response:
    account = require_account()
    membership = unblock_member(get_commune(slug), account, member_id)
    db.session.commit()
    return jsonify(member_json(membership))


# --- the audit log: read only -------------------------------------------------------------------


@bp.get("/audit")
def audit() -> Response:
    account = require_account()
    slug = request.args.get("commune") or None
    rows, next_cursor = audit_log(account, slug, before_id=cursor_arg(), limit=page_size())
    slugs = audit_commune_names(rows)
    return jsonify(
        items=[audit_event_json(row, slugs) for row in rows],
        next_cursor=str(next_cursor) if next_cursor is not None else None,
    )
