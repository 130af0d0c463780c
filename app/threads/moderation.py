"""Moderation: members flag posts, enough flags from established members hide a post until an
official reviews it, officials hide and restore posts and stop members from posting.

Flags and hiding (docs/workspace.md): a post flagged by ``AUTO_HIDE_FLAGS`` different
established members is hidden until an official reviews it. An established member has been in
the commune group for ``ESTABLISHED_DAYS``, is not stopped from posting, and has written
something there that is still visible: joining costs one tap, so fresh accounts' flags only
reach the review queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select, update

from app.accounts.models import Account
from app.audit.services import record
from app.communes.models import Commune
from app.errors import Forbidden, NotFound, ValidationError, as_object
from app.extensions import db
from app.membership.models import OFFICIAL, RESIDENT, Membership
from app.membership.services import membership_of, officials_of, require_official
from app.models_base import insert_once, utcnow
from app.parsing import MAX_ID
from app.schema.load import load
from app.threads.access import readable_reply
from app.threads.models import Flag, Reply, Thread
from app.threads.schemas import OptionalReason, RequiredReason
from app.threads.search import set_hidden
from app.threads.services import readable_thread

AUTO_HIDE_FLAGS = 3
ESTABLISHED_DAYS = 7


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
    fields = load(OptionalReason, as_object(data)).model_dump()
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
    if not insert_once(flag):
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
    reason = load(RequiredReason, as_object(data)).reason
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
    reason = load(OptionalReason, as_object(data)).reason
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


def open_flags_by_post(thread_id: int) -> dict[tuple[str, int], int]:
    """Open flags of a thread and of each of its replies, by ``(kind, id)``."""
    flags: dict[tuple[str, int], int] = {}
    for flag in db.session.scalars(
        select(Flag).where(Flag.thread_id == thread_id, Flag.reviewed_at.is_(None))
    ):
        key = (flag.target_type, flag.target_id)
        flags[key] = flags.get(key, 0) + 1
    return flags


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
    reason = load(RequiredReason, as_object(data)).reason
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
