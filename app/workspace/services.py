"""Business logic of the workspace capability: plain functions, explicit arguments, no commit.

Every function takes the acting account and checks its role in the commune concerned through
``membership.services`` (the one place roles live): an official acts only on their own
commune's threads, replies, members and settings; residents only flag and follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from app.accounts.models import Account
from app.audit.services import events, record
from app.audit.views import AuditEntry, readable_entries
from app.communes.models import Commune
from app.errors import Forbidden, NotAuthenticated, NotFound, ValidationError
from app.extensions import db
from app.membership.models import OFFICIAL, RESIDENT, Membership
from app.membership.services import (
    communes_served,
    member_commune,
    membership_of,
    officials_of,
    require_official,
    role_in,
)
from app.models_base import as_utc, utcnow
from app.parsing import parse_cursor, parse_id
from app.threads.categories import clean_category
from app.threads.models import KINDS, Reply, StatusChange, Thread
from app.threads.services import (
    INBOX_STATUSES,
    OPEN_STATUSES,
    InboxCursor,
    InboxFilters,
    add_reply,
    inbox_page,
    may_see_reply,
    readable_thread,
    reply_counts,
    visible_threads,
)
from app.validation import MAX_ID, TextField, clean_fields
from app.workspace.models import CannedReply, Flag, ThreadFollower, ThreadNote, ThreadRead
from app.workspace.search import matching_threads, set_hidden

# Flags and hiding (docs/workspace.md): a post flagged by this many different established
# members is hidden until an official reviews it. An established member has been in the commune
# group for ESTABLISHED_DAYS, is not stopped from posting, and has written something there that
# is still visible: joining costs one tap, so fresh accounts' flags only reach the review queue.
AUTO_HIDE_FLAGS = 3
ESTABLISHED_DAYS = 7
BODY_LIMIT = 4000

CANNED_FIELDS = (
    TextField("title", lazy_gettext("The title"), max_len=80, multiline=False),
    TextField("body", lazy_gettext("The text"), max_len=BODY_LIMIT),
)
NOTE_FIELDS = (TextField("body", lazy_gettext("The note"), max_len=BODY_LIMIT),)
REASON_FIELDS = (TextField("reason", lazy_gettext("The reason"), max_len=1000),)
FLAG_FIELDS = (TextField("reason", lazy_gettext("The reason"), required=False, max_len=1000),)


def _mapping(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return data


def _insert_once(row: Any) -> bool:
    """Insert a row that a unique constraint allows once; False when it is already there
    (another request may have inserted it a moment ago: a double tap is not an error)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _require_account(account: Account | None) -> Account:
    if account is None:
        raise NotAuthenticated()
    return account


# --- who acts on what -------------------------------------------------------------------------


def official_commune(slug: str, account: Account | None) -> Commune:
    """A commune the caller serves as an official (401, 403 or 404 otherwise)."""
    commune, _role = member_commune(slug, _require_account(account))
    require_official(account, commune)
    return commune


def served_communes(account: Account | None) -> list[Commune]:
    """The communes where the caller is an official (403 when none)."""
    communes = list(communes_served(_require_account(account)))
    if not communes:
        raise Forbidden(_("Only officials can use the workspace."))
    return communes


def official_thread(thread_id: int, account: Account | None) -> Thread:
    """A thread of a commune the caller serves: 404 when the caller cannot see it at all, 403
    for a member who sees it but is not an official."""
    thread, _role = readable_thread(thread_id, account)
    require_official(account, thread.commune)
    return thread


def readable_reply(reply_id: int, account: Account | None) -> tuple[Reply, str]:
    """A reply the caller may see, with the caller's role (404 otherwise)."""
    account = _require_account(account)
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(_("This reply does not exist or you cannot see it."))
    try:
        thread, role = readable_thread(reply.thread_id, account)
    except NotFound:
        raise NotFound(_("This reply does not exist or you cannot see it.")) from None
    if not may_see_reply(reply, account, role):
        raise NotFound(_("This reply does not exist or you cannot see it."))
    assert thread.id == reply.thread_id
    return reply, role


# --- inbox, unread markers ----------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    thread: Thread
    answered: bool
    unread: bool
    reply_count: int
    open_flags: int


def _id_arg(value: str, field: str, *, specials: Mapping[str, int]) -> int:
    if value in specials:
        return specials[value]
    return parse_id(value, field, message=_("This filter value is not valid."))


def clean_inbox_filters(args: Mapping[str, str], account: Account) -> InboxFilters:
    """``status``, ``kind``, ``category`` (an id or ``none``), ``assignee`` (an id, ``me`` or
    ``none``) and ``q`` from a query string; bad values are a 422 naming the field."""
    status = args.get("status") or "open"
    if status not in INBOX_STATUSES:
        raise ValidationError(
            _("status must be one of: %(choices)s.", choices=", ".join(INBOX_STATUSES)),
            field="status",
        )
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ValidationError(
            _("kind must be one of: %(choices)s.", choices=", ".join(KINDS)), field="kind"
        )
    category = args.get("category") or None
    assignee = args.get("assignee") or None
    query = (args.get("q") or "").strip() or None
    if query is not None and len(query) > 200:
        raise ValidationError(_("The search must be at most 200 characters."), field="q")
    return InboxFilters(
        status=status,
        kind=kind,
        category_id=_id_arg(category, "category", specials={"none": 0}) if category else None,
        assignee_id=(
            _id_arg(assignee, "assignee", specials={"none": 0, "me": account.id})
            if assignee
            else None
        ),
        query=query,
    )


def clean_inbox_cursor(raw: str) -> InboxCursor | None:
    """``next_cursor`` of the previous page: ``<0|1>-<id>``."""
    if not raw:
        return None
    answered, _sep, last_id = raw.partition("-")
    if answered not in ("0", "1") or not last_id:
        raise ValidationError(_("The cursor is not valid."), field="cursor")
    position = parse_cursor(last_id)
    assert position is not None
    return answered == "1", position


def format_inbox_cursor(cursor: InboxCursor | None) -> str | None:
    return None if cursor is None else f"{int(cursor[0])}-{cursor[1]}"


def workspace_inbox(
    account: Account | None,
    communes: Sequence[Commune],
    filters: InboxFilters,
    *,
    after: InboxCursor | None = None,
    limit: int = 50,
) -> tuple[list[InboxItem], InboxCursor | None]:
    """One page of the inbox of ``communes`` (each served by the caller), with unread
    markers, reply counts and open flags."""
    account = _require_account(account)
    served = {commune.id for commune in communes_served(account)}  # one query, not one each
    if any(commune.id not in served for commune in communes):
        raise Forbidden(_("Only officials of this commune can do this."))
    rows, next_cursor = inbox_page(communes, filters=filters, after=after, limit=limit)
    threads = [thread for thread, _answered in rows]
    unread = unread_thread_ids(account, threads)
    counts = reply_counts(threads, include_hidden=True)
    flags = open_flag_counts([thread.id for thread in threads])
    items = [
        InboxItem(
            thread=thread,
            answered=answered,
            unread=thread.id in unread,
            reply_count=counts.get(thread.id, 0),
            open_flags=flags.get(thread.id, 0),
        )
        for thread, answered in rows
    ]
    return items, next_cursor


def _latest(query: Select[Any]) -> dict[int, datetime]:
    return {thread_id: as_utc(moment) for thread_id, moment in db.session.execute(query) if moment}


def unread_thread_ids(account: Account, threads: Sequence[Thread]) -> set[int]:
    """Threads with activity by someone else (the thread itself, a reply, a status change, a
    note) since ``account`` last opened them."""
    ids = [thread.id for thread in threads]
    if not ids:
        return set()
    read = _latest(
        select(ThreadRead.thread_id, ThreadRead.read_at).where(
            ThreadRead.account_id == account.id, ThreadRead.thread_id.in_(ids)
        )
    )
    activity: dict[int, datetime] = {}
    for thread in threads:
        if thread.author_id != account.id:
            activity[thread.id] = as_utc(thread.created_at)
    for model, thread_col, actor_col, time_col in (
        (Reply, Reply.thread_id, Reply.author_id, Reply.created_at),
        (StatusChange, StatusChange.thread_id, StatusChange.actor_id, StatusChange.created_at),
        (ThreadNote, ThreadNote.thread_id, ThreadNote.author_id, ThreadNote.created_at),
    ):
        latest = _latest(
            select(thread_col, func.max(time_col))
            .select_from(model)
            .where(
                thread_col.in_(ids),
                (actor_col.is_(None)) | (actor_col != account.id),
            )
            .group_by(thread_col)
        )
        for thread_id, moment in latest.items():
            if thread_id not in activity or moment > activity[thread_id]:
                activity[thread_id] = moment
    return {
        thread_id
        for thread_id, moment in activity.items()
        if thread_id not in read or moment > read[thread_id]
    }


def mark_read(account: Account, thread: Thread) -> None:
    """Remember that ``account`` opened ``thread`` now (one row per account and thread)."""
    now = utcnow()
    values = {"account_id": account.id, "thread_id": thread.id, "read_at": now}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ThreadRead).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "thread_id"], set_={"read_at": now}
    )
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except OperationalError:
        # SQLite: opening a thread is a GET, whose transaction began as a reader; if another
        # request wrote meanwhile, this write is refused. The marker is not worth a failed page:
        # the thread stays unread until it is opened again.
        pass


def open_thread(thread_id: int, account: Account | None) -> tuple[Thread, str]:
    """Read a thread; when an official opens it, it is no longer unread for them."""
    thread, role = readable_thread(thread_id, account)
    if role == OFFICIAL:
        assert account is not None
        mark_read(account, thread)
    return thread, role


# --- canned replies ------------------------------------------------------------------------------


def canned_replies(commune: Commune, account: Account | None) -> Sequence[CannedReply]:
    require_official(account, commune)
    return db.session.scalars(
        select(CannedReply)
        .where(CannedReply.commune_id == commune.id)
        .order_by(func.lower(CannedReply.title), CannedReply.id)
    ).all()


def create_canned_reply(commune: Commune, account: Account | None, data: object) -> CannedReply:
    require_official(account, commune)
    fields = clean_fields(_mapping(data), CANNED_FIELDS)
    assert account is not None
    canned = CannedReply(
        commune_id=commune.id, title=fields["title"], body=fields["body"], author_id=account.id
    )
    db.session.add(canned)
    db.session.flush()
    return canned


def official_canned_reply(canned_id: int, account: Account | None) -> CannedReply:
    """A canned reply of a commune the caller serves (404 if the caller is not a member)."""
    account = _require_account(account)
    canned = db.session.get(CannedReply, canned_id)
    commune = db.session.get(Commune, canned.commune_id) if canned else None
    if canned is None or commune is None or role_in(account, commune) is None:
        raise NotFound(_("This canned reply does not exist."))
    require_official(account, commune)
    return canned


def update_canned_reply(canned_id: int, account: Account | None, data: object) -> CannedReply:
    canned = official_canned_reply(canned_id, account)
    data = _mapping(data)
    fields = [field for field in CANNED_FIELDS if field.name in data]
    if not fields:
        raise ValidationError(_("Send a title or a text to change."))
    for name, value in clean_fields(data, fields).items():
        setattr(canned, name, value)
    db.session.flush()
    return canned


def delete_canned_reply(canned_id: int, account: Account | None) -> None:
    db.session.delete(official_canned_reply(canned_id, account))
    db.session.flush()


# --- notes, assignment, categories ---------------------------------------------------------------


def answer(thread_id: int, account: Account | None, data: object) -> Reply:
    """An official replies from the workspace (residents reply on the group's own pages)."""
    official_thread(thread_id, account)
    return add_reply(thread_id, account, data)


def thread_notes(thread_id: int, account: Account | None) -> Sequence[ThreadNote]:
    """Internal notes, oldest first: officials of the thread's commune only."""
    thread = official_thread(thread_id, account)
    return db.session.scalars(
        select(ThreadNote).where(ThreadNote.thread_id == thread.id).order_by(ThreadNote.id)
    ).all()


def add_note(thread_id: int, account: Account | None, data: object) -> ThreadNote:
    thread = official_thread(thread_id, account)
    fields = clean_fields(_mapping(data), NOTE_FIELDS)
    note = ThreadNote(thread_id=thread.id, author=account, body=fields["body"])
    db.session.add(note)
    db.session.flush()
    return note


def assign_thread(thread_id: int, account: Account | None, data: object) -> Thread:
    """``{"assignee": <official's id> | null}``: who takes care of the thread."""
    thread = official_thread(thread_id, account)
    value = _mapping(data).get("assignee")
    assignee = None
    if value not in (None, ""):
        message = _("Choose an official of this commune.")
        assignee = db.session.get(Account, parse_id(value, "assignee", message=message))
        if assignee is None or role_in(assignee, thread.commune) != OFFICIAL:
            raise ValidationError(_("Choose an official of this commune."), field="assignee")
    before = thread.assignee_id
    thread.assignee = assignee
    db.session.flush()
    if before != thread.assignee_id:
        record(
            account,
            "thread.assign",
            commune_id=thread.commune_id,
            target_type="thread",
            target_id=thread.id,
            detail={
                "from": before,
                "to": thread.assignee_id,
                "to_name": assignee.display_name if assignee else None,
            },
        )
    return thread


def recategorise_thread(thread_id: int, account: Account | None, data: object) -> Thread:
    """``{"category": <id of an active category of the commune> | null}``."""
    thread = official_thread(thread_id, account)
    category = clean_category(thread.commune, _mapping(data).get("category"))
    before = thread.category_id
    thread.category = category
    db.session.flush()
    if before != thread.category_id:
        record(
            account,
            "thread.category",
            commune_id=thread.commune_id,
            target_type="thread",
            target_id=thread.id,
            detail={"from": before, "to": thread.category_id},
        )
    return thread


# --- duplicates: similar threads, following -----------------------------------------------------


def similar_threads(
    commune: Commune, account: Account | None, query: object, *, limit: int = 5
) -> list[Thread]:
    """Open threads of the group like what the member is typing, best first: only threads
    the member may see, never hidden ones (not even their own)."""
    account = _require_account(account)
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


def is_following(thread: Thread, account: Account) -> bool:
    return (
        db.session.scalar(
            select(ThreadFollower.id).where(
                ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account.id
            )
        )
        is not None
    )


def follow(thread_id: int, account: Account | None) -> bool:
    """Follow a thread the caller may read (its notifications as a participant); True when
    new, False when already followed."""
    thread, _role = readable_thread(thread_id, account)
    assert account is not None
    if is_following(thread, account):
        return False
    return _insert_once(ThreadFollower(thread_id=thread.id, account_id=account.id))


def unfollow(thread_id: int, account: Account | None) -> None:
    thread, _role = readable_thread(thread_id, account)
    assert account is not None
    db.session.execute(
        delete(ThreadFollower).where(
            ThreadFollower.thread_id == thread.id, ThreadFollower.account_id == account.id
        )
    )


def followers_of(thread_id: int) -> Select[tuple[int]]:
    """Account ids following a thread: the push audience's extra participants."""
    return select(ThreadFollower.account_id).where(ThreadFollower.thread_id == thread_id)


# --- moderation: flags, hiding, blocking ----------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """A thread or a reply, as moderation sees it."""

    kind: str  # "thread" | "reply"
    thread: Thread
    reply: Reply | None

    @property
    def id(self) -> int:
        return self.reply.id if self.reply else self.thread.id

    @property
    def target(self) -> Thread | Reply:
        return self.reply if self.reply else self.thread

    @property
    def author_id(self) -> int | None:
        return self.target.author_id


def _post(kind: str, post_id: int, account: Account | None) -> tuple[Post, str]:
    if kind == "thread":
        thread, role = readable_thread(post_id, account)
        return Post("thread", thread, None), role
    reply, role = readable_reply(post_id, account)
    return Post("reply", reply.thread, reply), role


def _established_flagger() -> Any:
    """Conditions on a query of ``Flag`` joined to the flagger's ``Membership`` in the flag's
    commune: true when the flag counts towards hiding."""
    cutoff = utcnow() - timedelta(days=ESTABLISHED_DAYS)
    wrote_thread = (
        select(Thread.id)
        .where(
            Thread.author_id == Flag.account_id,
            Thread.commune_id == Flag.commune_id,
            Thread.hidden_at.is_(None),
        )
        .exists()
    )
    wrote_reply = (
        select(Reply.id)
        .join(Thread, Thread.id == Reply.thread_id)
        .where(
            Reply.author_id == Flag.account_id,
            Thread.commune_id == Flag.commune_id,
            Reply.hidden_at.is_(None),
            Thread.hidden_at.is_(None),
        )
        .exists()
    )
    return and_(
        Membership.account_id == Flag.account_id,
        Membership.commune_id == Flag.commune_id,
        Membership.role == RESIDENT,
        Membership.posting_blocked.is_(False),
        Membership.created_at <= cutoff,
        or_(wrote_thread, wrote_reply),
    )


def _counted_flags(*group: Any) -> Select[Any]:
    """How many distinct established members sent open flags (per ``group`` columns, which
    come first in each row); the caller narrows it to a post or a commune."""
    query = (
        select(*group, func.count(func.distinct(Flag.account_id)))
        .select_from(Flag)
        .join(Membership, _established_flagger())
        .where(Flag.reviewed_at.is_(None))
    )
    return query.group_by(*group) if group else query


def _by_id(model: Any, ids: set[int]) -> dict[int, Any]:
    """Rows of ``model`` by id, in one query."""
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _is_protected(post: Post, official_ids: set[int]) -> bool:
    """Officials' answers and officials' own threads are never hidden by residents' flags
    (announcements cannot be flagged at all): only an official hides them."""
    if post.reply is not None:
        return post.reply.author_role == OFFICIAL
    return post.thread.author_id is not None and post.thread.author_id in official_ids


def _official_ids(commune: Commune) -> set[int]:
    return {account.id for account in officials_of(commune)}


def _open_flags(post: Post) -> Select[Any]:
    return select(Flag).where(
        Flag.target_type == post.kind, Flag.target_id == post.id, Flag.reviewed_at.is_(None)
    )


def flag_post(kind: str, post_id: int, account: Account | None, data: object) -> tuple[Flag, bool]:
    """A resident reports a post they can see; once per member (True when new). The third
    distinct member's flag hides the post until an official reviews it."""
    post, role = _post(kind, post_id, account)
    assert account is not None
    if role == OFFICIAL:
        raise Forbidden(_("Officials hide posts directly instead of flagging them."))
    membership = membership_of(account, post.thread.commune)
    if membership is not None and membership.posting_blocked:
        raise Forbidden(_("You were stopped from posting in this group, so you cannot flag posts."))
    if post.author_id == account.id:
        raise ValidationError(_("You cannot flag your own post."))
    fields = clean_fields(_mapping(data), FLAG_FIELDS)
    existing = _flag_of(post, account)
    if existing is not None:
        return existing, False
    flag = Flag(
        commune_id=post.thread.commune_id,
        target_type=post.kind,
        target_id=post.id,
        thread_id=post.thread.id,
        reply_id=post.reply.id if post.reply else None,
        account_id=account.id,
        reason=fields["reason"],
    )
    if not _insert_once(flag):
        return _flag_of(post, account), False
    record(
        account,
        f"{post.kind}.flag",
        commune_id=post.thread.commune_id,
        target_type=post.kind,
        target_id=post.id,
        reason=fields["reason"],
    )
    if post.target.hidden_at is not None or _is_protected(post, _official_ids(post.thread.commune)):
        return flag, True
    count = db.session.scalar(
        _counted_flags().where(Flag.target_type == post.kind, Flag.target_id == post.id)
    )
    if count >= AUTO_HIDE_FLAGS:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            reason = _(
                "Hidden after reports from %(count)d members, until an official reviews it.",
                count=count,
            )
        _set_hidden(post, reason)
        record(
            None,
            f"{post.kind}.autohide",
            commune_id=post.thread.commune_id,
            target_type=post.kind,
            target_id=post.id,
            reason=reason,
            detail={"flags": count},
        )
    return flag, True


def _flag_of(post: Post, account: Account) -> Flag | None:
    return db.session.scalar(
        select(Flag).where(
            Flag.target_type == post.kind,
            Flag.target_id == post.id,
            Flag.account_id == account.id,
        )
    )


def _set_hidden(post: Post, reason: str | None) -> None:
    target = post.target
    if reason is None:
        target.hidden_at = None
        target.hidden_reason = None
    else:
        target.hidden_at = utcnow()
        target.hidden_reason = reason
    db.session.flush()
    set_hidden(
        thread_id=post.thread.id,
        reply_id=post.reply.id if post.reply else None,
        hidden=reason is not None,
    )


def _review_flags(post: Post) -> int:
    """Mark the post's open flags as reviewed; returns how many there were."""
    result = db.session.execute(
        update(Flag)
        .where(Flag.target_type == post.kind, Flag.target_id == post.id)
        .where(Flag.reviewed_at.is_(None))
        .values(reviewed_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def hide_post(kind: str, post_id: int, account: Account | None, data: object) -> Post:
    """An official hides a post with a reason (its author still sees it, and why). Hiding an
    automatically hidden post keeps it hidden: the review."""
    post, _role = _post(kind, post_id, account)
    require_official(account, post.thread.commune)
    reason = clean_fields(_mapping(data), REASON_FIELDS)["reason"]
    _set_hidden(post, reason)
    reviewed = _review_flags(post)
    record(
        account,
        f"{post.kind}.hide",
        commune_id=post.thread.commune_id,
        target_type=post.kind,
        target_id=post.id,
        reason=reason,
        detail={"flags_reviewed": reviewed} if reviewed else None,
    )
    return post


def restore_post(kind: str, post_id: int, account: Account | None, data: object) -> Post:
    """An official shows a hidden post again, or dismisses the flags on a visible one."""
    post, _role = _post(kind, post_id, account)
    require_official(account, post.thread.commune)
    reason = clean_fields(_mapping(data), FLAG_FIELDS)["reason"]
    has_flags = db.session.scalar(select(func.count()).select_from(_open_flags(post).subquery()))
    if post.target.hidden_at is None and not has_flags:
        raise ValidationError(_("This post is not hidden."))
    was_hidden = post.target.hidden_at is not None
    _set_hidden(post, None)
    reviewed = _review_flags(post)
    record(
        account,
        f"{post.kind}.restore",
        commune_id=post.thread.commune_id,
        target_type=post.kind,
        target_id=post.id,
        reason=reason,
        detail={"was_hidden": was_hidden, "flags_reviewed": reviewed},
    )
    return post


def open_flag_counts(thread_ids: Sequence[int]) -> dict[int, int]:
    """Open (unreviewed) flags per thread, counting those on its replies too."""
    if not thread_ids:
        return {}
    rows = db.session.execute(
        select(Flag.thread_id, func.count(Flag.id))
        .where(Flag.thread_id.in_(list(thread_ids)), Flag.reviewed_at.is_(None))
        .group_by(Flag.thread_id)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class FlaggedPost:
    post: Post
    flags: int  # every open flag, from anyone
    counted: int  # those from established members, which count towards hiding
    protected: bool  # an official's post: flags never hide it
    reasons: list[str]


def flagged_posts(commune: Commune, account: Account | None) -> list[FlaggedPost]:
    """The moderation queue: every post with flags not yet reviewed (whether or not they hid
    it, and whoever sent them), most flagged first. A fixed number of queries."""
    require_official(account, commune)
    flags = db.session.scalars(
        select(Flag)
        .where(Flag.commune_id == commune.id, Flag.reviewed_at.is_(None))
        .order_by(Flag.id)
    ).all()
    grouped: dict[tuple[str, int], list[Flag]] = {}
    for flag in flags:
        grouped.setdefault((flag.target_type, flag.target_id), []).append(flag)
    if not grouped:
        return []
    threads = _by_id(Thread, {flag.thread_id for flag in flags})
    replies = _by_id(Reply, {flag.target_id for flag in flags if flag.target_type == "reply"})
    rows = db.session.execute(
        _counted_flags(Flag.target_type, Flag.target_id).where(Flag.commune_id == commune.id)
    ).all()
    counted = {(kind, post_id): number for kind, post_id, number in rows}
    official_ids = _official_ids(commune)
    items = []
    for (kind, post_id), post_flags in grouped.items():
        thread = threads.get(post_flags[0].thread_id)
        reply = replies.get(post_id) if kind == "reply" else None
        if thread is None or (kind == "reply" and reply is None):
            continue
        post = Post(kind, thread, reply)
        items.append(
            FlaggedPost(
                post=post,
                flags=len(post_flags),
                counted=counted.get((kind, post_id), 0),
                protected=_is_protected(post, official_ids),
                reasons=[flag.reason for flag in post_flags if flag.reason],
            )
        )
    items.sort(key=lambda item: (-item.flags, item.post.thread.id, item.post.id))
    return items


def _resident_membership(commune: Commune, member_id: int) -> Membership:
    member = db.session.get(Account, member_id) if 0 < member_id <= MAX_ID else None
    membership = membership_of(member, commune) if member else None
    if membership is None:
        raise NotFound(_("This person is not a member of this commune group."))
    if membership.role != RESIDENT:
        raise ValidationError(_("Officials cannot be stopped from posting."))
    return membership


def block_member(
    commune: Commune, account: Account | None, member_id: int, data: object
) -> Membership:
    """Stop a resident from posting (they can still read), with a reason they are shown."""
    require_official(account, commune)
    reason = clean_fields(_mapping(data), REASON_FIELDS)["reason"]
    membership = _resident_membership(commune, member_id)
    membership.posting_blocked = True
    membership.posting_blocked_reason = reason
    db.session.flush()
    record(
        account,
        "member.block",
        commune_id=commune.id,
        target_type="account",
        target_id=membership.account_id,
        reason=reason,
    )
    return membership


def unblock_member(commune: Commune, account: Account | None, member_id: int) -> Membership:
    """Allow a member to post again."""
    require_official(account, commune)
    membership = _resident_membership(commune, member_id)
    if membership.posting_blocked:
        membership.posting_blocked = False
        membership.posting_blocked_reason = None
        db.session.flush()
        record(
            account,
            "member.unblock",
            commune_id=commune.id,
            target_type="account",
            target_id=membership.account_id,
        )
    return membership


def members(
    commune: Commune,
    account: Account | None,
    *,
    blocked_only: bool,
    before_id: int | None,
    limit: int,
) -> tuple[Sequence[Membership], int | None]:
    """The commune's members newest first (officials' view), optionally only the blocked."""
    require_official(account, commune)
    query = (
        select(Membership)
        .where(Membership.commune_id == commune.id)
        .order_by(Membership.id.desc())
        .limit(limit + 1)
    )
    if blocked_only:
        query = query.where(Membership.posting_blocked.is_(True))
    if before_id is not None:
        query = query.where(Membership.id < before_id)
    rows = db.session.scalars(query).all()
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit else None


# --- the audit log (read only) -------------------------------------------------------------------


def audit_log(
    account: Account | None, slug: str | None, *, before_id: int | None, limit: int
) -> tuple[Sequence[AuditEntry], int | None]:
    """Admins read the log of every commune they manage (or one); officials the log of the
    communes they serve (or one of them); nobody else, and nobody changes it."""
    account = _require_account(account)
    commune_ids: list[int] | None
    if account.is_admin:
        from app.admin.services import managed_communes, staff_commune
        from app.communes.areas import is_national

        if slug is not None:
            # Their area's communes, and any commune they serve as an official.
            commune_ids = [staff_commune(account, slug).id]
        elif is_national(account):
            commune_ids = None  # every commune, and events about no commune (accounts)
        else:
            reached = [*communes_served(account), *managed_communes(account)]
            commune_ids = sorted({commune.id for commune in reached})
    elif slug is not None:
        commune_ids = [official_commune(slug, account).id]
    else:
        commune_ids = [commune.id for commune in served_communes(account)]
    rows = events(commune_ids=commune_ids, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    next_cursor = page[-1].id if len(rows) > limit else None
    return readable_entries(account, page), next_cursor


def audit_commune_names(rows: Sequence[AuditEntry]) -> dict[int, str]:
    ids = {row.commune_id for row in rows if row.commune_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Commune.id, Commune.slug).where(Commune.id.in_(ids))).all()
    return {commune_id: slug for commune_id, slug in rows}


# --- what the workspace pages show ---------------------------------------------------------------


@dataclass
class ThreadView:
    """Everything the workspace page of one thread shows."""

    thread: Thread
    notes: Sequence[ThreadNote]
    canned: Sequence[CannedReply]
    prefill: str
    assignees: Sequence[Account]
    categories: Sequence[Any]
    flags: dict[tuple[str, int], int]
    author_membership: Membership | None


def thread_view(thread_id: int, account: Account | None, *, canned_id: int | None) -> ThreadView:
    """An official opens a thread in the workspace (it is then read); ``canned_id`` puts that
    canned reply's text into the reply form."""
    from app.threads.categories import active_categories

    thread, _role = open_thread(thread_id, account)
    require_official(account, thread.commune)
    canned = canned_replies(thread.commune, account)
    prefill = next((item.body for item in canned if item.id == canned_id), "")
    flags: dict[tuple[str, int], int] = {}
    for flag in db.session.scalars(
        select(Flag).where(Flag.thread_id == thread.id, Flag.reviewed_at.is_(None))
    ):
        key = (flag.target_type, flag.target_id)
        flags[key] = flags.get(key, 0) + 1
    author = db.session.get(Account, thread.author_id) if thread.author_id else None
    return ThreadView(
        thread=thread,
        notes=thread_notes(thread.id, account),
        canned=canned,
        prefill=prefill,
        assignees=officials_of(thread.commune),
        categories=active_categories(thread.commune),
        flags=flags,
        author_membership=membership_of(author, thread.commune) if author else None,
    )


def waiting_for(account: Account) -> dict[int, int]:
    """Open threads still waiting for a first official answer, per commune ``account`` serves
    (none for a resident), in one query: what every staff page shows."""
    served = select(Membership.commune_id).where(
        Membership.account_id == account.id, Membership.role == OFFICIAL
    )
    answered = select(Reply.id).where(Reply.thread_id == Thread.id, Reply.author_role == OFFICIAL)
    rows = db.session.execute(
        select(Thread.commune_id, func.count(Thread.id))
        .where(
            Thread.commune_id.in_(served),
            Thread.status.in_(OPEN_STATUSES),
            ~answered.exists(),
        )
        .group_by(Thread.commune_id)
    ).all()
    return dict(rows)
