"""Asking, listing, replying and moving threads through their states."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import Account
from app.audit.services import record
from app.communes.models import Commune
from app.errors import Forbidden, NotAuthenticated, NotFound, ValidationError
from app.extensions import db
from app.i18n import status_label
from app.media.storage import MediaStorage
from app.membership.models import OFFICIAL
from app.membership.services import membership_of, require_member, require_official, role_in
from app.schema.load import load
from app.signals import reply_added, status_changed, thread_created
from app.threads.categories import clean_category
from app.threads.location import clean_location
from app.threads.models import Reply, StatusChange, Thread
from app.threads.photos import store_photo
from app.threads.schemas import NewReply, StatusRequest, ThreadText, VoiceReply, VoiceThreadText
from app.threads.voice import CheckedVoice, StoredVoice, check_voice, store_checked


def visible_threads(commune: Commune, account: Account, role: str) -> Select[tuple[Thread]]:
    """The one scoping rule for listing threads: officials see all; residents see public
    threads and their own, and of the hidden ones only their own."""
    query = select(Thread).where(Thread.commune_id == commune.id)
    if role != OFFICIAL:
        query = query.where(
            or_(Thread.author_id == account.id, Thread.visibility == "public"),
            or_(Thread.author_id == account.id, Thread.hidden_at.is_(None)),
        )
    return query


def may_see_thread(thread: Thread, account: Account, role: str) -> bool:
    """``visible_threads`` for one thread already loaded."""
    if role == OFFICIAL or thread.author_id == account.id:
        return True
    return thread.visibility == "public" and thread.hidden_at is None


def may_see_reply(reply: Reply, account: Account, role: str) -> bool:
    """A hidden reply is seen by officials and its author only (the author sees why)."""
    return role == OFFICIAL or reply.hidden_at is None or reply.author_id == account.id


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


# The moves an official may make from each status. Nothing goes back to "new" (an official
# has seen it), and a closed thread is only reopened on purpose, to be worked on again.
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "in_progress", "resolved", "declined"),
    "acknowledged": ("in_progress", "resolved", "declined"),
    "in_progress": ("resolved", "declined"),
    "resolved": ("in_progress",),
    "declined": ("acknowledged", "in_progress"),
}


def reply_counts(threads: Sequence[Thread], *, include_hidden: bool = False) -> dict[int, int]:
    """Reply counts for a page of threads in one query (hidden replies left out unless
    ``include_hidden``)."""
    ids = [thread.id for thread in threads]
    if not ids:
        return {}
    query = select(Reply.thread_id, func.count(Reply.id)).where(Reply.thread_id.in_(ids))
    if not include_hidden:
        query = query.where(Reply.hidden_at.is_(None))
    rows = db.session.execute(query.group_by(Reply.thread_id)).all()
    counts = dict.fromkeys(ids, 0)
    counts.update({thread_id: count for thread_id, count in rows})
    return counts


def seen_counts(threads: Sequence[Thread], account: Account, role: str) -> dict[int, int]:
    """What the viewer sees answered under each thread of a page: the replies they may read
    and the status notes (an official's note to the resident is an answer too). Two queries,
    whatever the page's length."""
    ids = [thread.id for thread in threads]
    if not ids:
        return {}
    replies = select(Reply.thread_id, func.count(Reply.id)).where(Reply.thread_id.in_(ids))
    if role != OFFICIAL:
        replies = replies.where(or_(Reply.hidden_at.is_(None), Reply.author_id == account.id))
    notes = select(StatusChange.thread_id, func.count(StatusChange.id)).where(
        StatusChange.thread_id.in_(ids), func.coalesce(StatusChange.note, "") != ""
    )
    counts = dict.fromkeys(ids, 0)
    for query, thread_id in ((replies, Reply.thread_id), (notes, StatusChange.thread_id)):
        for row_thread_id, count in db.session.execute(query.group_by(thread_id)).all():
            counts[row_thread_id] += count
    return counts


def create_thread(
    commune: Commune,
    account: Account | None,
    data: object,
    *,
    photo: bytes | None = None,
    voice: bytes | None = None,
    storage: MediaStorage | None = None,
) -> Thread:
    """A member asks a question or reports a problem, with an optional photo and an optional
    voice note, which is then enough alone (not committed)."""
    require_member(account, commune)
    assert account is not None
    require_may_post(account, commune)
    fields = load(VoiceThreadText if voice else ThreadText, _as_mapping(data)).model_dump()
    category = clean_category(commune, _as_mapping(data).get("category"))
    if category is not None and category.personal and not _as_mapping(data).get("visibility"):
        # Not chosen: a personal matter is for the officials' eyes (the form says so too).
        fields["visibility"] = "officials"
    latitude, longitude, address = clean_location(_as_mapping(data))
    # Both files are checked before either is stored: a refused voice leaves no photo behind.
    checked_voice = check_voice(voice) if voice is not None else None
    stored = None
    if photo is not None:
        assert storage is not None
        stored = store_photo(photo, storage)
    spoken = _store_voice(checked_voice, storage)
    thread = Thread(
        commune_id=commune.id,
        author=account,
        kind=fields["kind"],
        title=fields["title"] or "",
        body=fields["body"] or "",
        visibility=fields["visibility"],
        urgent=fields["urgent"],
        status="new",
        category=category,
        latitude=latitude,
        longitude=longitude,
        address=address,
        photo_name=stored.name if stored else None,
        photo_width=stored.width if stored else None,
        photo_height=stored.height if stored else None,
        **_voice_columns(spoken),
    )
    db.session.add(thread)
    db.session.flush()
    thread_created.send(thread)  # indexed for search, officials notified (same transaction)
    return thread


def _store_voice(checked: CheckedVoice | None, storage: MediaStorage | None) -> StoredVoice | None:
    if checked is None:
        return None
    assert storage is not None
    return store_checked(checked, storage)


def _voice_columns(spoken: StoredVoice | None) -> dict[str, object]:
    """A post's voice columns (all None without a voice note)."""
    return {
        "voice_name": spoken.name if spoken else None,
        "voice_mime": spoken.mime if spoken else None,
        "voice_duration_ms": spoken.duration_ms if spoken else None,
    }


def require_may_post(account: Account, commune: Commune) -> None:
    """403 with the reason when an official stopped this member from posting."""
    membership = membership_of(account, commune)
    if membership is not None and membership.posting_blocked:
        if membership.posting_blocked_reason:
            raise Forbidden(
                _(
                    "An official of this commune has stopped you from posting here: %(reason)s",
                    reason=membership.posting_blocked_reason,
                )
            )
        raise Forbidden(_("An official of this commune has stopped you from posting here."))


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
    if thread is None or role is None or not may_see_thread(thread, account, role):
        raise NotFound(_("This thread does not exist or you cannot see it."))
    _keep_visible_replies(thread, account, role)
    return thread, role


def _keep_visible_replies(thread: Thread, account: Account, role: str) -> None:
    """Make ``thread.replies`` hold only the replies the caller may see, for every page and
    JSON shape that reads it. The collection is reloaded, then set as if loaded that way: it
    is not a change, so nothing is ever deleted or written."""
    db.session.expire(thread, ["replies"])
    if role == OFFICIAL:
        return
    replies = thread.replies
    visible = [reply for reply in replies if may_see_reply(reply, account, role)]
    if len(visible) != len(replies):
        set_committed_value(thread, "replies", visible)


def add_reply(
    thread_id: int,
    account: Account | None,
    data: object,
    *,
    voice: bytes | None = None,
    storage: MediaStorage | None = None,
) -> Reply:
    """Reply in a thread: officials always; any member on public threads; the author always.
    With a voice note, the text is optional."""
    thread, role = readable_thread(thread_id, account)
    assert account is not None
    if role != OFFICIAL and thread.visibility != "public" and thread.author_id != account.id:
        raise Forbidden(_("Only the author and officials can reply to this thread."))
    if role != OFFICIAL and thread.hidden_at is not None:
        raise Forbidden(_("This post was hidden by an official; it cannot be replied to."))
    require_may_post(account, thread.commune)
    fields = load(VoiceReply if voice else NewReply, _as_mapping(data)).model_dump()
    spoken = _store_voice(check_voice(voice) if voice is not None else None, storage)
    reply = Reply(
        thread=thread,
        author=account,
        author_role=role,
        body=fields["body"] or "",
        **_voice_columns(spoken),
    )
    db.session.add(reply)
    db.session.flush()
    reply_added.send(reply)
    return reply


def change_status(thread_id: int, account: Account | None, data: object) -> StatusChange:
    """An official moves a thread to another state, with an optional note (a reason to decline)."""
    thread, _role = readable_thread(thread_id, account)
    require_official(account, thread.commune)
    fields = load(StatusRequest, _as_mapping(data)).model_dump()
    if fields["status"] == thread.status:
        raise ValidationError(_("The thread already has this status."), field="status")
    if fields["status"] not in STATUS_MOVES[thread.status]:
        raise ValidationError(
            _(
                "A thread that is “%(current)s” cannot be moved to “%(wanted)s”.",
                current=status_label(thread.status),
                wanted=status_label(fields["status"]),
            ),
            field="status",
        )
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
    status_changed.send(change)
    return change


def _as_mapping(data: object) -> dict:
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return data
