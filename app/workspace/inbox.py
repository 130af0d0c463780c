"""The officials' inbox: filters from the query string, pages, unread markers, and how many
questions wait for a first answer (shown on every staff page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import Exists, Select, and_, case, exists, func, or_, select

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import Forbidden, ValidationError, require_signed_in
from app.extensions import db
from app.membership.models import OFFICIAL, Membership
from app.membership.services import communes_served
from app.models_base import utcnow
from app.parsing import parse_cursor
from app.schema.fields import IdOr
from app.schema.load import Check
from app.threads.deadlines import is_overdue, time_left
from app.threads.models import KINDS, OPEN_STATUSES, STATUSES, Reply, Thread
from app.threads.moderation import open_flag_counts
from app.threads.search import matching_threads
from app.threads.services import reply_counts
from app.workspace.unread import unread_thread_ids

INBOX_STATUSES = ("open", "all", *STATUSES)
# Issue 14: besides the default order (unanswered first, oldest first), the nearest deadline
# first (overdue ones at the top) or the most "me too" first.
INBOX_SORTS = ("deadline", "supporters")


@dataclass(frozen=True)
class InboxFilters:
    """What an official narrows the inbox to. ``category_id``/``assignee_id`` 0: none set."""

    status: str = "open"  # "open" (new, acknowledged, in progress), "all", or one status
    kind: str | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    query: str | None = None
    overdue: bool = False  # only threads past a deadline (docs/accountability.md)
    sort: str | None = None  # one of INBOX_SORTS, or the default order


# ``(answered, id)`` of the last thread of a page: the next page starts after it. In a sorted
# inbox (``sort``), the number of threads already shown.
InboxCursor = tuple[bool, int] | int


def _answered() -> Exists:
    return exists().where(Reply.thread_id == Thread.id, Reply.author_role == OFFICIAL)


def inbox_page(
    communes: Commune | Sequence[Commune],
    *,
    filters: InboxFilters | None = None,
    after: InboxCursor | None = None,
    limit: int = 100,
) -> tuple[list[tuple[Thread, bool]], InboxCursor | None]:
    """Threads for officials: urgent reports not yet responded to first (on the first page),
    then those still waiting for a first official answer, oldest first; then the answered
    ones, oldest first. Hidden threads are included (officials review them). Items are
    ``(thread, answered)``; the cursor of the next page or None."""
    filters = filters or InboxFilters()
    commune_ids = [c.id for c in communes] if isinstance(communes, Sequence) else [communes.id]
    answered = _answered()
    query = select(Thread, answered.label("answered")).where(Thread.commune_id.in_(commune_ids))
    if filters.status == "open":
        query = query.where(Thread.status.in_(OPEN_STATUSES))
    elif filters.status != "all":
        query = query.where(Thread.status == filters.status)
    if filters.kind:
        query = query.where(Thread.kind == filters.kind)
    if filters.overdue:
        now = utcnow()
        query = query.where(
            Thread.status.in_(OPEN_STATUSES),
            or_(
                and_(Thread.first_response_at.is_(None), Thread.respond_by < now),
                Thread.resolve_by < now,
            ),
        )
    if filters.category_id is not None:
        query = query.where(
            Thread.category_id.is_(None)
            if filters.category_id == 0
            else Thread.category_id == filters.category_id
        )
    if filters.assignee_id is not None:
        query = query.where(
            Thread.assignee_id.is_(None)
            if filters.assignee_id == 0
            else Thread.assignee_id == filters.assignee_id
        )
    if filters.query:
        matches = matching_threads(filters.query, commune_ids=commune_ids, include_hidden=True)
        if matches is not None:
            found = matches.subquery("found")
            query = query.join(found, found.c.thread_id == Thread.id)
    if isinstance(after, tuple) if filters.sort else isinstance(after, int):
        # A cursor of the other order (the sort was changed between two pages).
        raise ValidationError(_("The cursor is not valid."), field="cursor")
    if filters.sort:
        return _sorted_page(query, answered, filters.sort, int(after or 0), limit)
    # Urgent reports no official has responded to yet (an hour of clock time) head the first
    # page, oldest first, whatever else waits: they leave the paged order below meanwhile, so
    # the (answered, id) cursor is unchanged. Once responded to, they take their usual place.
    pending = and_(
        Thread.urgent, Thread.first_response_at.is_(None), Thread.status.in_(OPEN_STATUSES)
    )
    urgent_rows = (
        db.session.execute(query.where(pending).order_by(Thread.id).limit(limit)).all()
        if after is None
        else []
    )
    query = query.where(~pending)
    if after is not None:
        assert isinstance(after, tuple)
        was_answered, last_id = after
        query = query.where(
            and_(answered, Thread.id > last_id)
            if was_answered
            else or_(answered, Thread.id > last_id)
        )
    rows = db.session.execute(query.order_by(answered, Thread.id).limit(limit + 1)).all()
    items = [(thread, bool(is_answered)) for thread, is_answered in rows[:limit]]
    next_cursor = (items[-1][1], items[-1][0].id) if len(rows) > limit else None
    urgent = [(thread, bool(is_answered)) for thread, is_answered in urgent_rows]
    return urgent + items, next_cursor


def _sorted_page(
    query: Select, answered: Exists, sort: str, offset: int, limit: int
) -> tuple[list[tuple[Thread, bool]], InboxCursor | None]:
    """A page of the inbox in another order; the cursor counts the threads shown so far."""
    if sort == "deadline":
        due = case((Thread.first_response_at.is_(None), Thread.respond_by), else_=Thread.resolve_by)
        order = (due.is_(None), due, Thread.id)
    else:
        order = (Thread.supporters.desc(), Thread.id)
    rows = db.session.execute(query.order_by(*order).offset(offset).limit(limit + 1)).all()
    items = [(thread, bool(is_answered)) for thread, is_answered in rows[:limit]]
    return items, (offset + limit if len(rows) > limit else None)


@dataclass(frozen=True)
class InboxItem:
    thread: Thread
    answered: bool
    unread: bool
    reply_count: int
    open_flags: int

    @property
    def overdue(self) -> bool:
        return is_overdue(self.thread)

    @property
    def hours_left(self) -> int | None:
        """Whole hours of clock time to the next deadline (None when there is none or it
        passed): what the inbox shows beside each open thread."""
        left = time_left(self.thread)
        if left is None or left.total_seconds() < 0:
            return None
        return int(left.total_seconds() // 3600)


def _filter_message() -> str:
    return _("This filter value is not valid.")


CATEGORY_FILTER = Check(IdOr("none", message=_filter_message), "category")
ASSIGNEE_FILTER = Check(IdOr("none", "me", message=_filter_message), "assignee")


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
    sort = args.get("sort") or None
    if sort is not None and sort not in INBOX_SORTS:
        raise ValidationError(
            _("sort must be one of: %(choices)s.", choices=", ".join(INBOX_SORTS)), field="sort"
        )
    overdue = args.get("overdue") or ""
    if overdue not in ("", "0", "1", "true", "false"):
        raise ValidationError(_("%(name)s must be 0 or 1.", name="overdue"), field="overdue")
    query = (args.get("q") or "").strip() or None
    if query is not None and len(query) > 200:
        raise ValidationError(_("The search must be at most 200 characters."), field="q")
    return InboxFilters(
        status=status,
        kind=kind,
        category_id=_filter_id(CATEGORY_FILTER, category, account),
        assignee_id=_filter_id(ASSIGNEE_FILTER, assignee, account),
        query=query,
        overdue=overdue in ("1", "true"),
        sort=sort,
    )


def _filter_id(check: Check, value: str | None, account: Account) -> int | None:
    """An id; 0 for "none" (no category, nobody); the caller's id for "me"."""
    if not value:
        return None
    cleaned = check.clean(value)
    if isinstance(cleaned, str):
        return {"none": 0, "me": account.id}[cleaned]
    return cleaned


def clean_inbox_cursor(raw: str) -> InboxCursor | None:
    """``next_cursor`` of the previous page: ``<0|1>-<id>``, or ``s-<shown>`` when sorted."""
    if not raw:
        return None
    answered, _sep, last_id = raw.partition("-")
    if answered not in ("0", "1", "s") or not last_id:
        raise ValidationError(_("The cursor is not valid."), field="cursor")
    position = parse_cursor(last_id)
    assert position is not None
    if answered == "s":
        return position
    return answered == "1", position


def format_inbox_cursor(cursor: InboxCursor | None) -> str | None:
    if cursor is None:
        return None
    if isinstance(cursor, int):
        return f"s-{cursor}"
    return f"{int(cursor[0])}-{cursor[1]}"


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
    account = require_signed_in(account)
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


# Beyond this many, "more than" is all the empty page needs to say.
ELSEWHERE_LIMIT = 99


def matches_in_every_status(communes: Commune | Sequence[Commune], filters: InboxFilters) -> int:
    """When a search finds nothing among the chosen statuses: how many threads it finds among
    all of them (the other filters kept), at most ELSEWHERE_LIMIT + 1, so the empty page can
    say where else it looked."""
    items, _cursor = inbox_page(
        communes, filters=replace(filters, status="all"), limit=ELSEWHERE_LIMIT + 1
    )
    return len(items)


def search_elsewhere(
    communes: Commune | Sequence[Commune], filters: InboxFilters, *, found: bool
) -> int | None:
    """What the inbox says after a search: None when there is nothing to add (no words, every
    status searched, or something found); else how many matches every status holds (0 too,
    at most ELSEWHERE_LIMIT + 1). The page and the JSON inbox say the same."""
    if found or not filters.query or filters.status == "all":
        return None
    return matches_in_every_status(communes, filters)
