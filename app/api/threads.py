"""Threads of a commune, a thread with its replies and history, replying, status changes;
following a thread and flagging a post (what residents do about others' posts)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request

from app.accounts.models import Account
from app.accounts.sessions import current_account_id
from app.api.helpers import json_body, page_query, require_account
from app.api.spec import (
    CURSOR,
    IDEMPOTENCY_KEY,
    JSON,
    LIMIT,
    OFFICIALS,
    Schema,
    documented,
    replayed,
)
from app.communes.models import Commune
from app.conditional import etag, not_modified, tagged
from app.extensions import db
from app.media.serving import uploaded
from app.media.storage import media_storage
from app.membership.models import OFFICIAL
from app.membership.services import member_commune, read_membership
from app.push.reach import delivery_summaries, messages_for
from app.ratelimit.declare import limited
from app.read_cache import Built, cached_read, json_bytes
from app.threads.confirmations import confirm
from app.threads.duplicates import mark_duplicate
from app.threads.follows import follow, is_following, unfollow
from app.threads.idempotency import HEADER, REPLAYED, parse_key, post_once
from app.threads.models import Thread as ThreadRow
from app.threads.moderation import flag_post
from app.threads.schemas import (
    ConfirmationAnswer,
    ConfirmationOut,
    ConfirmationRequest,
    DuplicateRequest,
    Flagged,
    Following,
    NewReply,
    NewReplyForm,
    NewThread,
    NewThreadForm,
    OptionalReason,
    Reply,
    StatusChange,
    StatusRequest,
    Support,
    Thread,
    ThreadChanged,
    ThreadDetail,
    ThreadList,
    ThreadView,
    UrgencyRequest,
)
from app.threads.services import (
    add_reply,
    change_status,
    create_thread,
    list_threads,
    readable_thread,
    reply_counts,
)
from app.threads.supports import support, supported_ids, unsupport
from app.threads.urgency import mark_urgency
from app.threads.validators import next_deadline, read_parts, thread_state
from app.workspace.unread import open_thread

bp = Blueprint("threads", __name__)
# Asking takes JSON, or a form whose fields are text with the photo as a file.
NEW_THREAD: Schema = {
    "required": True,
    "content": {JSON: {"schema": NewThread}, "multipart/form-data": {"schema": NewThreadForm}},
}
# Replying takes JSON, or a form with the text and the voice note as the "voice" file.
NEW_REPLY: Schema = {
    "required": True,
    "content": {JSON: {"schema": NewReply}, "multipart/form-data": {"schema": NewReplyForm}},
}


@bp.get("/communes/<slug>/threads")
@documented(
    "A commune's threads, newest first", {200: ThreadList}, 403, 422, params=(CURSOR, LIMIT)
)
def index(slug: str) -> Response:
    # The reader's id, the commune's read version and their role in one lookup: an unchanged
    # page is a 304 (or the answer built before) without loading anything else.
    member = read_membership(slug, current_account_id())
    page = page_query()

    def build() -> Built:
        account = require_account()
        commune = db.session.get(Commune, member.commune_id)
        assert commune is not None
        threads, next_cursor = list_threads(
            commune, account, member.role, before_id=page.cursor, limit=page.size()
        )
        counts = reply_counts(threads)
        supported = supported_ids(threads, account)
        listed = ThreadList(
            items=[
                Thread.of(thread, counts[thread.id], supported=thread.id in supported)
                for thread in threads
            ],
            next_cursor=str(next_cursor) if next_cursor is not None else None,
        )
        return Built(
            json_bytes(listed.dump()), "application/json", valid_until=next_deadline(threads)
        )

    return cached_read(read_parts(member, current_account_id()), build)


@bp.post("/communes/<slug>/threads")
@documented(
    "Ask a question or report a problem",
    {201: Thread},
    403,
    422,
    body=NEW_THREAD,
    params=(IDEMPOTENCY_KEY,),
    description="403 for a non-member or a member stopped from posting.",
    special=replayed(Thread),
)
@limited("post")
def create(slug: str) -> tuple[Response, int]:
    account = require_account()
    commune, _role = member_commune(slug, account)
    key = parse_key(request.headers.get(HEADER))
    photo = voice = None
    if request.mimetype == "multipart/form-data":
        # With files: the same fields as form fields, the image as "photo", the voice note
        # as "voice".
        data: dict = request.form.to_dict()
        photo = uploaded("photo")
        voice = uploaded("voice")
    else:
        data = json_body()
    thread, created = post_once(
        account,
        key,
        lambda: create_thread(
            commune, account, data, photo=photo, voice=voice, storage=media_storage()
        ),
        operation=f"thread:{commune.id}",
        fields=data,
        photo=photo,
        voice=voice,
    )
    db.session.commit()
    counts = {thread.id: 0} if created else reply_counts([thread])
    return _posted(Thread.of(thread, counts[thread.id]).dump(), created)


def _posted(data: dict, created: bool) -> tuple[Response, int]:
    """201 for what was just created; 200, marked as a replay, for a key's earlier result."""
    response = jsonify(data)
    if not created:
        response.headers[REPLAYED] = "true"
    return response, 201 if created else 200


@bp.get("/threads/<id:thread_id>")
@documented("A thread with its replies and history", {200: ThreadView})
def show(thread_id: int) -> Response:
    account = require_account()
    # An official who opens a thread has read it (the inbox's unread marker goes).
    thread, role = open_thread(thread_id, account)
    summaries = _reach(thread, role == OFFICIAL or thread.author_id == account.id)
    tag = etag(thread_state(thread, account, role, reach=summaries))
    unchanged = not_modified(tag)
    if unchanged is not None:
        db.session.commit()  # an official who opened it has read it, 304 or not
        return unchanged
    detail = _detail_with_delivery(
        thread, summaries=summaries, supported=bool(supported_ids([thread], account))
    )
    data = ThreadView(**dict(detail), following=is_following(thread, account)).dump()
    # After building the answer: a commit reloads the thread's replies, hidden ones included.
    db.session.commit()
    return tagged(jsonify(data), tag)


def _reach(thread: ThreadRow, may_see_reach: bool) -> dict[int, dict[str, int]]:
    """How far each reply reached, for its author and the officials (empty for others)."""
    summaries: dict[int, dict[str, int]] = {}
    if may_see_reach:
        messages = messages_for(reply_ids=[reply.id for reply in thread.replies])
        by_message = delivery_summaries(messages.values())
        for reply in thread.replies:
            message = messages.get(("reply", reply.id))
            if message is not None:
                summaries[reply.id] = by_message[message.id]
    return summaries


def _detail_with_delivery(
    thread: ThreadRow,
    may_see_reach: bool = False,
    *,
    supported: bool = False,
    summaries: dict[int, dict[str, int]] | None = None,
) -> ThreadDetail:
    """The thread (``thread.replies`` holds what the reader may see: ``readable_thread`` sees
    to it); its author and the officials also see how far each reply reached (``summaries``
    when already known)."""
    if summaries is None:
        summaries = _reach(thread, may_see_reach)
    return ThreadDetail(
        **Thread.fields_of(thread, len(thread.replies), supported=supported),
        replies=[Reply.of(reply, summaries.get(reply.id)) for reply in thread.replies],
        history=[StatusChange.of(change) for change in thread.history],
    )


@bp.post("/threads/<id:thread_id>/replies")
@documented(
    "Reply in a thread",
    {201: Reply},
    403,
    422,
    body=NEW_REPLY,
    params=(IDEMPOTENCY_KEY,),
    special=replayed(Reply),
)
@limited("post")
def reply(thread_id: int) -> tuple[Response, int]:
    account = require_account()
    key = parse_key(request.headers.get(HEADER))
    voice = None
    if request.mimetype == "multipart/form-data":
        data: dict = request.form.to_dict()
        voice = uploaded("voice")
    else:
        data = json_body()
    new_reply, created = post_once(
        account,
        key,
        lambda: add_reply(thread_id, account, data, voice=voice, storage=media_storage()),
        operation=f"reply:{thread_id}",
        fields=data,
        voice=voice,
    )
    db.session.commit()
    return _posted(Reply.of(new_reply).dump(), created)


@bp.patch("/threads/<id:thread_id>")
@documented(
    "Change a thread's status (official)",
    {200: ThreadChanged},
    *OFFICIALS,
    body=StatusRequest,
    description="422 for its current status, or for declined without a note.",
)
def update(thread_id: int) -> Response:
    change = change_status(thread_id, require_account(), json_body())
    db.session.commit()
    thread, _role = readable_thread(thread_id, require_account())
    detail = _detail_with_delivery(thread, True)
    return jsonify(ThreadChanged.of(detail, change).dump())


@bp.put("/threads/<id:thread_id>/urgent")
@documented(
    "Mark a report urgent or not urgent (official)",
    {200: ThreadDetail},
    *OFFICIALS,
    body=UrgencyRequest,
    description=(
        "Each change is kept in the audit log (thread.urgent). While no official has answered, "
        "respond_by becomes 60 minutes from now (urgent) or the category's working hours from "
        "the thread's creation (not urgent). Idempotent."
    ),
)
def urgency(thread_id: int) -> Response:
    return _officials_change(thread_id, mark_urgency)


@bp.post("/threads/<id:thread_id>/duplicate-of")
@documented(
    "Close a thread as a duplicate of another of the commune (official)",
    {200: ThreadDetail},
    *OFFICIALS,
    body=DuplicateRequest,
    description=(
        "The thread is declined with a note and a link (its history's duplicate_of) and its "
        "duplicate_of is set; its author and followers follow the original, its author and "
        "supporters support it when it is public (once each), and they are told by push. A "
        "duplicate's duplicate points at the original's original. 422 for a thread of "
        "another commune or an unknown one, for itself, for a closed thread, and for a thread "
        "already closed as a duplicate of another; the same original again is a no-op."
    ),
)
def duplicate_of(thread_id: int) -> Response:
    return _officials_change(thread_id, mark_duplicate)


def _officials_change(thread_id: int, change: Callable[[int, Account, object], object]) -> Response:
    """An official's change of a thread from a JSON body (the service checks who may), then
    the thread as they see it afterwards, with how far its replies reached."""
    account = require_account()
    change(thread_id, account, json_body())
    db.session.commit()
    thread, _role = readable_thread(thread_id, account)
    detail = _detail_with_delivery(thread, True, supported=bool(supported_ids([thread], account)))
    return jsonify(detail.dump())


@bp.post("/threads/<id:thread_id>/follow")
@documented("Follow a thread", {201: Following, 200: Following})
def follow_thread(thread_id: int) -> tuple[Response, int]:
    created = follow(thread_id, require_account())
    db.session.commit()
    return jsonify(Following(following=True).dump()), 201 if created else 200


@bp.delete("/threads/<id:thread_id>/follow")
@documented("Stop following a thread", {204: None})
def unfollow_thread(thread_id: int) -> tuple[str, int]:
    unfollow(thread_id, require_account())
    db.session.commit()
    return "", 204


@bp.post("/threads/<id:thread_id>/confirmation")
@documented(
    "Say whether a resolved thread's problem was fixed (its author)",
    {201: ConfirmationAnswer},
    403,
    409,
    422,
    body=ConfirmationRequest,
    description=(
        "Once per resolution (409 after). fixed: false takes the thread back to in_progress, "
        "reopened by the resident, and its resolve deadline counts again. 422 while the "
        "thread is not resolved."
    ),
)
def confirmation(thread_id: int) -> tuple[Response, int]:
    answer = confirm(thread_id, require_account(), json_body())
    db.session.commit()
    thread = db.session.get(ThreadRow, thread_id)
    assert thread is not None
    data = ConfirmationAnswer(
        confirmation=ConfirmationOut(
            fixed=answer.fixed, rating=answer.rating, at=answer.created_at
        ),
        status=thread.status,
        resolve_by=thread.resolve_by,
    )
    return jsonify(data.dump()), 201


@bp.post("/threads/<id:thread_id>/support")
@documented(
    'Say "me too" on a public thread (member)',
    {201: Support, 200: Support},
    403,
    description="Idempotent: 200 when already given. 403 on a thread for officials only.",
)
def support_thread(thread_id: int) -> tuple[Response, int]:
    account = require_account()
    created = support(thread_id, account)
    db.session.commit()
    return jsonify(_support_state(thread_id)), 201 if created else 200


@bp.delete("/threads/<id:thread_id>/support")
@documented('Take back a "me too"', {200: Support}, 403, description="Idempotent.")
def unsupport_thread(thread_id: int) -> Response:
    unsupport(thread_id, require_account())
    db.session.commit()
    return jsonify(_support_state(thread_id))


def _support_state(thread_id: int) -> dict:
    account = require_account()
    thread = db.session.get(ThreadRow, thread_id)
    assert thread is not None
    db.session.refresh(thread)
    supported = bool(supported_ids([thread], account))
    return Support(supported=supported, supporters=thread.supporters or 0).dump()


@bp.post("/threads/<id:thread_id>/flag")
@documented(
    "Report a thread to the officials",
    {201: Flagged, 200: Flagged},
    403,
    422,
    body=OptionalReason,
    body_required=False,
    description="Officials hide posts instead (403); flagging one's own post is 422.",
)
def flag_thread(thread_id: int) -> tuple[Response, int]:
    _flag, created = flag_post("thread", thread_id, require_account(), _optional_body())
    db.session.commit()
    return jsonify(Flagged(flagged=True).dump()), 201 if created else 200


@bp.post("/replies/<id:reply_id>/flag")
@documented(
    "Report a reply to the officials",
    {201: Flagged, 200: Flagged},
    403,
    422,
    body=OptionalReason,
    body_required=False,
)
def flag_reply(reply_id: int) -> tuple[Response, int]:
    _flag, created = flag_post("reply", reply_id, require_account(), _optional_body())
    db.session.commit()
    return jsonify(Flagged(flagged=True).dump()), 201 if created else 200


def _optional_body() -> dict:
    """Flagging needs no body; a JSON object may give a ``reason``."""
    return json_body() if request.content_length or request.mimetype == "application/json" else {}
