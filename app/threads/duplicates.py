"""Duplicates: before asking, open threads like the one being typed, to follow instead of
asking again; after, an official closes a thread as a duplicate of another of the commune, and
the people it concerned move to the original."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import Account
from app.audit.services import record
from app.communes.models import Commune
from app.errors import Forbidden, ValidationError, as_object, require_signed_in
from app.extensions import db
from app.membership.models import Membership
from app.membership.services import require_official, role_in
from app.models_base import insert_once
from app.schema.load import load
from app.signals import thread_duplicated
from app.threads.models import (
    OPEN_STATUSES,
    StatusChange,
    Thread,
    ThreadFollower,
    ThreadSupport,
)
from app.threads.schemas import BODY_LIMIT, DuplicateRequest
from app.threads.search import matching_threads
from app.threads.services import may_see_thread, readable_thread, visible_threads

# A duplicate is closed as declined, the status of a thread that will not be worked on itself,
# with a note: its history says where the work goes on instead.
DUPLICATE_STATUS = "declined"


def similar_threads(
    commune: Commune, account: Account | None, query: object, *, limit: int = 5
) -> list[Thread]:
    """Open threads of the group like what the member is typing, best first: only threads
    the member may see, never hidden ones (not even their own)."""
    account = require_signed_in(account)
    role = role_in(account, commune)
    if role is None:
        raise Forbidden(_("You are not a member of this commune group."))
    if not isinstance(query, str) or len(query) > BODY_LIMIT:
        raise ValidationError(_("The text to compare must be at most 4000 characters."), field="q")
    if len(query.strip()) < 3:
        return []
    matches = matching_threads(query, commune_ids=[commune.id], mode="any")
    if matches is None:
        return []
    found = matches.subquery("found")
    rows = db.session.scalars(
        visible_threads(commune, account, role)
        .join(found, found.c.thread_id == Thread.id)
        .where(Thread.status.in_(OPEN_STATUSES), Thread.hidden_at.is_(None))
        .order_by(found.c.score.desc(), Thread.id.desc())
        .limit(limit)
    ).all()
    return list(rows)


@dataclass(frozen=True)
class Duplicated:
    """What marking a duplicate did: the closing (None when it was already so marked), the
    original, and the accounts moved there."""

    thread: Thread
    original: Thread
    change: StatusChange | None
    moved: tuple[int, ...]


def root_original(thread: Thread) -> Thread:
    """The thread at the end of a chain of duplicates (itself if it is none): marking a thread
    a duplicate of a duplicate points at the original's original."""
    seen = {thread.id}
    while thread.duplicate_of_id is not None:
        following = db.session.get(Thread, thread.duplicate_of_id)
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        thread = following
    return thread


def mark_duplicate(thread_id: int, account: Account | None, data: object) -> Duplicated:
    """An official of the thread's commune closes it as a duplicate of another thread of the
    same commune (not committed). Its author and followers follow the original, its
    supporters (and its author, whom the problem touches too) support it when it is public:
    once each, however many duplicates they come from. Idempotent for the same original."""
    thread, _role = readable_thread(thread_id, account)
    require_official(account, thread.commune)
    assert account is not None
    wanted = load(DuplicateRequest, as_object(data)).thread_id
    candidate = db.session.get(Thread, wanted)
    if candidate is None or candidate.commune_id != thread.commune_id:
        raise ValidationError(
            _("The original must be a thread of the same commune."), field="thread_id"
        )
    original = root_original(candidate)
    if original.id == thread.id:
        raise ValidationError(_("A thread cannot be a duplicate of itself."), field="thread_id")
    if thread.duplicate_of_id is not None:
        if root_original(thread).id == original.id:
            return Duplicated(thread, original, None, ())
        raise ValidationError(
            _(
                "This thread is already closed as a duplicate of thread #%(id)d.",
                id=thread.duplicate_of_id,
            ),
            field="thread_id",
        )
    if thread.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Only an open thread can be closed as a duplicate: reopen it first."),
            field="thread_id",
        )
    moved = _move_people(thread, original)
    change = StatusChange(
        thread=thread,
        actor=account,
        from_status=thread.status,
        to_status=DUPLICATE_STATUS,
        note=_("Closed as a duplicate of thread #%(id)d: it is followed up there.", id=original.id),
        duplicate_of_id=original.id,
    )
    thread.status = DUPLICATE_STATUS
    thread.duplicate_of_id = original.id
    db.session.add(change)
    db.session.flush()
    record(
        account,
        "thread.duplicate",
        commune_id=thread.commune_id,
        target_type="thread",
        target_id=thread.id,
        detail={"original": original.id, "moved": len(moved)},
    )
    thread_duplicated.send(change, original=original, told=moved)
    return Duplicated(thread, original, change, moved)


def _move_people(thread: Thread, original: Thread) -> tuple[int, ...]:
    """Move the duplicate's author, followers and supporters to the original; the ids of
    those who may read the original (the others cannot follow it: they are told all the
    same, by the duplicate's own page). Supports leave the duplicate."""
    followers = set(
        db.session.scalars(
            select(ThreadFollower.account_id).where(ThreadFollower.thread_id == thread.id)
        )
    )
    supporters = set(
        db.session.scalars(
            select(ThreadSupport.account_id).where(ThreadSupport.thread_id == thread.id)
        )
    )
    author = {thread.author_id} if thread.author_id is not None else set()
    people = author | followers | supporters
    members = {
        membership.account_id: membership
        for membership in db.session.scalars(
            select(Membership).where(
                Membership.commune_id == thread.commune_id, Membership.account_id.in_(people)
            )
        )
    }
    told: list[int] = []
    for account_id in sorted(people):
        membership = members.get(account_id)
        if membership is None:
            continue  # left the group since
        told.append(account_id)
        if not may_see_thread(original, membership.account, membership.role):
            continue
        if account_id == original.author_id:
            continue  # their own thread: they hear of it already
        if account_id in author | followers:
            _follow(original, account_id)
        if original.visibility == "public" and account_id in author | supporters:
            _support(original, account_id)
    db.session.execute(delete(ThreadSupport).where(ThreadSupport.thread_id == thread.id))
    return tuple(told)


def _follow(thread: Thread, account_id: int) -> None:
    already = db.session.scalar(
        select(ThreadFollower.id).where(
            ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account_id
        )
    )
    if already is None:
        insert_once(ThreadFollower(thread_id=thread.id, account_id=account_id))


def _support(thread: Thread, account_id: int) -> None:
    already = db.session.scalar(
        select(ThreadSupport.id).where(
            ThreadSupport.thread_id == thread.id, ThreadSupport.account_id == account_id
        )
    )
    if already is None:
        insert_once(ThreadSupport(thread_id=thread.id, account_id=account_id))
