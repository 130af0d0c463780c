"""The officials' inbox: filters from the query string, pages, unread markers, and how many
questions wait for a first answer (shown on every staff page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import Forbidden, ValidationError, require_signed_in
from app.extensions import db
from app.membership.models import OFFICIAL, Membership
from app.membership.services import communes_served
from app.parsing import parse_cursor, parse_id
from app.threads.models import KINDS, Reply, Thread
from app.threads.moderation import open_flag_counts
from app.threads.services import (
    INBOX_STATUSES,
    OPEN_STATUSES,
    InboxCursor,
    InboxFilters,
    inbox_page,
    reply_counts,
)
from app.workspace.unread import unread_thread_ids


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
