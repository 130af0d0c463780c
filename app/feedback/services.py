"""Asking, listing, replying and moving threads through their states."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, func, or_, select

from app.accounts.models import Account
from app.audit.services import record
from app.communes.models import Commune
from app.errors import Forbidden, NotAuthenticated, NotFound, ValidationError
from app.extensions import db
from app.feedback.categories import clean_category
from app.feedback.models import KINDS, STATUSES, VISIBILITIES, Reply, StatusChange, Thread
from app.feedback.photos import store_photo
from app.membership.models import OFFICIAL
from app.membership.services import require_member, require_official, role_in
from app.push.services import queue_new_thread, queue_reply, queue_status_change
from app.validation import ChoiceField, TextField, clean_fields

BODY_LIMIT = 4000

THREAD_FIELDS = (
    ChoiceField("kind", lazy_gettext("The kind"), KINDS),
    TextField("title", lazy_gettext("The title"), required=False, max_len=200, multiline=False),
    TextField("body", lazy_gettext("The text"), max_len=BODY_LIMIT),
    ChoiceField("visibility", lazy_gettext("Who can see it"), VISIBILITIES, default="public"),
)
REPLY_FIELDS = (TextField("body", lazy_gettext("The reply"), max_len=BODY_LIMIT),)
STATUS_FIELDS = (
    ChoiceField("status", lazy_gettext("The status"), STATUSES),
    TextField("note", lazy_gettext("The note"), required=False, max_len=BODY_LIMIT),
)


def visible_threads(commune: Commune, account: Account, role: str) -> Select[tuple[Thread]]:
    """The one scoping rule for listing threads: officials see all, residents public + own."""
    query = select(Thread).where(Thread.commune_id == commune.id)
    if role != OFFICIAL:
        query = query.where(or_(Thread.visibility == "public", Thread.author_id == account.id))
    return query


def list_threads(
    commune: Commune, account: Account, role: str, *, before_id: int | None, limit: int
) -> tuple[Sequence[Thread], int | None]:
    """One page of threads newest first, and the cursor of the next page (or None)."""
    query = visible_threads(commune, account, role).order_by(Thread.id.desc()).limit(limit + 1)
    if before_id is not None:
        query = query.where(Thread.id < before_id)
    rows = db.session.scalars(query).all()
    page = rows[:limit]
    next_cursor = page[-1].id if len(rows) > limit else None
    return page, next_cursor


OPEN_STATUSES = ("new", "acknowledged", "in_progress")


def inbox(commune: Commune, *, limit: int = 100) -> list[tuple[Thread, bool]]:
    """Open threads for officials: those still waiting for a first official answer come
    first, oldest first; then the answered but unresolved ones, oldest first.
    Each item is ``(thread, answered)``."""
    answered = (
        select(Reply.thread_id)
        .where(Reply.author_role == OFFICIAL)
        .group_by(Reply.thread_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Thread, answered.c.thread_id.is_not(None))
        .outerjoin(answered, answered.c.thread_id == Thread.id)
        .where(Thread.commune_id == commune.id, Thread.status.in_(OPEN_STATUSES))
        .order_by(answered.c.thread_id.is_not(None), Thread.id)
        .limit(limit)
    ).all()
    return [(thread, bool(is_answered)) for thread, is_answered in rows]


def reply_counts(threads: Sequence[Thread]) -> dict[int, int]:
    """Reply counts for a page of threads in one query."""
    ids = [thread.id for thread in threads]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Reply.thread_id, func.count(Reply.id))
        .where(Reply.thread_id.in_(ids))
        .group_by(Reply.thread_id)
    ).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({thread_id: count for thread_id, count in rows})
    return counts


def create_thread(
    commune: Commune,
    account: Account | None,
    data: object,
    *,
    photo: bytes | None = None,
    upload_folder: Path | None = None,
) -> Thread:
    """A member asks a question or reports a problem, with an optional photo (not committed)."""
    require_member(account, commune)
    assert account is not None
    fields = clean_fields(_as_mapping(data), THREAD_FIELDS)
    category = clean_category(commune, _as_mapping(data).get("category"))
    stored = None
    if photo is not None:
        assert upload_folder is not None
        stored = store_photo(photo, upload_folder)
    thread = Thread(
        commune_id=commune.id,
        author=account,
        kind=fields["kind"],
        title=fields["title"] or "",
        body=fields["body"],
        visibility=fields["visibility"],
        status="new",
        category=category,
        photo_name=stored.name if stored else None,
        photo_width=stored.width if stored else None,
        photo_height=stored.height if stored else None,
    )
    db.session.add(thread)
    db.session.flush()
    queue_new_thread(thread)
    return thread


def thread_with_photo(photo_name: str, account: Account | None) -> Thread:
    """The thread a photo belongs to, if the caller may read it."""
    thread = None
    if len(photo_name) <= 64:
        thread = db.session.scalar(select(Thread).where(Thread.photo_name == photo_name))
    if thread is None:
        raise NotFound(_("This photo does not exist or you cannot see it."))
    readable_thread(thread.id, account)
    return thread


def readable_thread(thread_id: int, account: Account | None) -> tuple[Thread, str]:
    """The thread and the caller's role, if the caller may read it.

    A thread the caller may not see is reported as not found, so its existence leaks nothing.
    """
    if account is None:
        raise NotAuthenticated()
    thread = db.session.get(Thread, thread_id)
    role = role_in(account, thread.commune) if thread else None
    if thread is None or role is None:
        raise NotFound(_("This thread does not exist or you cannot see it."))
    if role != OFFICIAL and thread.visibility != "public" and thread.author_id != account.id:
        raise NotFound(_("This thread does not exist or you cannot see it."))
    return thread, role


def add_reply(thread_id: int, account: Account | None, data: object) -> Reply:
    """Reply in a thread: officials always; any member on public threads; the author always."""
    thread, role = readable_thread(thread_id, account)
    assert account is not None
    if role != OFFICIAL and thread.visibility != "public" and thread.author_id != account.id:
        raise Forbidden(_("Only the author and officials can reply to this thread."))
    fields = clean_fields(_as_mapping(data), REPLY_FIELDS)
    reply = Reply(thread=thread, author=account, author_role=role, body=fields["body"])
    db.session.add(reply)
    db.session.flush()
    queue_reply(reply)
    return reply


def change_status(thread_id: int, account: Account | None, data: object) -> StatusChange:
    """An official moves a thread to another state, with an optional note (a reason to decline)."""
    thread, _role = readable_thread(thread_id, account)
    require_official(account, thread.commune)
    fields = clean_fields(_as_mapping(data), STATUS_FIELDS)
    if fields["status"] == thread.status:
        raise ValidationError(_("The thread already has this status."), field="status")
    if fields["status"] == "declined" and not fields["note"]:
        raise ValidationError(
            _("Please give a reason when declining, so the resident understands why."),
            field="note",
        )
    change = StatusChange(
        thread=thread,
        actor=account,
        from_status=thread.status,
        to_status=fields["status"],
        note=fields["note"],
    )
    thread.status = fields["status"]
    db.session.add(change)
    db.session.flush()
    record(
        account,
        "thread.status",
        commune_id=thread.commune_id,
        target_type="thread",
        target_id=thread.id,
        reason=fields["note"],
        detail={"from": change.from_status, "to": change.to_status},
    )
    queue_status_change(change)
    return change


def _as_mapping(data: object) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return data
