"""Subscribing devices, choosing who hears of what, and writing messages to the outbox.

Requests only write: a ``PushMessage`` per event, in the same transaction as the event. The
worker expands each message into one ``Delivery`` per target subscription (one INSERT ... SELECT,
however many members) and sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.types import Boolean, DateTime, Integer, String

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.errors import ValidationError
from app.extensions import db
from app.i18n import status_label
from app.membership.models import OFFICIAL, Membership
from app.models_base import utcnow
from app.push.encryption import InvalidSubscriptionKeys, SubscriberKeys
from app.push.endpoints import EndpointNotAllowed, HostRule, check_endpoint
from app.push.models import (
    DELIVERY_STATES,
    KIND_ANNOUNCEMENT,
    KIND_ANSWER,
    KIND_DISCUSSION,
    KIND_NEW_THREAD,
    PENDING,
    Delivery,
    PushMessage,
    PushSubscription,
)
from app.push.payloads import build_payload
from app.threads.models import Reply, StatusChange, Thread, ThreadFollower
from app.validation import is_storable

THREAD_TTL = timedelta(days=2)
ANNOUNCEMENT_TTL = timedelta(days=7)
MAX_TTL = timedelta(weeks=4)

# Each kind of message is switched on or off by one column of the member's Membership.
PREFERENCE_COLUMNS = {
    KIND_ANSWER: "notify_answers",
    KIND_DISCUSSION: "notify_discussion",
    KIND_ANNOUNCEMENT: "notify_announcements",
    KIND_NEW_THREAD: "notify_new_threads",
}
PREFERENCE_NAMES = {
    "answers": KIND_ANSWER,
    "discussion": KIND_DISCUSSION,
    "announcements": KIND_ANNOUNCEMENT,
    "new_threads": KIND_NEW_THREAD,
}


# --- subscriptions -------------------------------------------------------------------------


def subscribe(
    account: Account,
    data: dict[str, Any],
    allowed: tuple[HostRule, ...],
    *,
    session_id: int | None = None,
) -> bool:
    """Save the browser's ``PushSubscription.toJSON()`` for ``account``; True when new.

    The same endpoint again updates its keys (and owner: the browser now belongs to whoever
    is signed in on it). ``session_id`` is the browser's sign-in session: the subscription
    lasts as long as it does.
    """
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint or not is_storable(endpoint):
        raise ValidationError(_("endpoint is required."), field="endpoint")
    if not isinstance(keys, dict):
        raise ValidationError(_("keys must be an object with p256dh and auth."), field="keys")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise ValidationError(_("keys must be an object with p256dh and auth."), field="keys")
    try:
        check_endpoint(endpoint, allowed)
    except EndpointNotAllowed:
        raise ValidationError(
            _("This push service is not allowed: use a browser's own push service."),
            field="endpoint",
        ) from None
    try:
        SubscriberKeys.from_b64(p256dh, auth)
    except InvalidSubscriptionKeys:
        raise ValidationError(_("The subscription keys are not valid."), field="keys") from None
    expires_at = _expiration(data.get("expirationTime"))

    subscription = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    created = subscription is None
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint)
        db.session.add(subscription)
    subscription.account_id = account.id
    subscription.login_session_id = session_id
    subscription.p256dh = p256dh
    subscription.auth = auth
    subscription.expires_at = expires_at
    # Told again by the browser (perhaps with new keys): it gets a fresh chance.
    subscription.failures = 0
    subscription.retired_at = None
    subscription.retired_reason = None
    db.session.flush()
    return created


def _expiration(value: object) -> datetime | None:
    """``expirationTime`` is null or milliseconds since the epoch."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e14:
        raise ValidationError(
            _("expirationTime must be null or a time in milliseconds."), field="expirationTime"
        )
    return datetime.fromtimestamp(value / 1000, UTC)


def unsubscribe(account: Account, endpoint: object) -> None:
    """Forget the caller's own subscription (someone else's is left alone, silently)."""
    if not isinstance(endpoint, str) or not endpoint or not is_storable(endpoint):
        raise ValidationError(_("endpoint is required."), field="endpoint")
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.account_id == account.id
        )
    )


def delete_subscriptions(subscription_ids: Iterable[int]) -> None:
    """The push service said these are gone (404/410)."""
    ids = list(subscription_ids)
    if ids:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))


def clear_failures(subscription_ids: Iterable[int]) -> None:
    """These subscriptions took a message: their run of 400/403 answers is over."""
    ids = list(subscription_ids)
    if ids:
        db.session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(ids), PushSubscription.failures > 0)
            .values(failures=0)
            .execution_options(synchronize_session=False)
        )


def count_failures(reasons: dict[int, str], *, retire_after: int) -> None:
    """One more 400/403 answer for each subscription; the ``retire_after``-th retires it,
    keeping the push service's reason. Rare, so one statement per subscription is fine."""
    now = utcnow()
    for subscription_id, reason in reasons.items():
        db.session.execute(
            update(PushSubscription)
            .where(PushSubscription.id == subscription_id)
            .values(failures=PushSubscription.failures + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(PushSubscription)
            .where(
                PushSubscription.id == subscription_id,
                PushSubscription.failures >= retire_after,
                PushSubscription.retired_at.is_(None),
            )
            .values(retired_at=now, retired_reason=reason[:200])
            .execution_options(synchronize_session=False)
        )


# --- preferences ---------------------------------------------------------------------------


def preferences(membership: Membership) -> dict[str, bool]:
    return {
        name: getattr(membership, PREFERENCE_COLUMNS[kind])
        for name, kind in PREFERENCE_NAMES.items()
    }


def update_preferences(membership: Membership, data: dict[str, Any]) -> dict[str, bool]:
    """Turn kinds of notification on or off; unknown names are refused."""
    for name, value in data.items():
        if name not in PREFERENCE_NAMES:
            raise ValidationError(
                _("Unknown notification kind: %(name)s.", name=name[:40]), field=name[:40]
            )
        if not isinstance(value, bool):
            raise ValidationError(_("%(name)s must be true or false.", name=name), field=name)
        setattr(membership, PREFERENCE_COLUMNS[PREFERENCE_NAMES[name]], value)
    return preferences(membership)


# --- queueing events -----------------------------------------------------------------------


def _queue(
    *,
    kind: str,
    commune: Commune,
    actor: Account | None,
    title: str,
    body: str,
    path: str,
    tag: str,
    ttl: timedelta,
    urgency: str,
    thread: Thread | None = None,
    reply: Reply | None = None,
    announcement: Announcement | None = None,
) -> PushMessage:
    message = PushMessage(
        kind=kind,
        commune_id=commune.id,
        actor_id=actor.id if actor else None,
        thread_id=thread.id if thread else None,
        reply_id=reply.id if reply else None,
        announcement_id=announcement.id if announcement else None,
        payload=build_payload(
            title, body, current_app.config["BASE_URL"] + path, tag, _push_locale()
        ),
        topic=tag,
        urgency=urgency,
        expires_at=utcnow() + min(ttl, MAX_TTL),
    )
    db.session.add(message)
    return message


def _push_locale() -> str:
    """Notifications are written once for everyone, in the service's default language."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _thread_name(thread: Thread) -> str:
    if thread.title:
        return thread.title
    return _("Your question") if thread.kind == "question" else _("Your report")


def queue_reply(reply: Reply) -> PushMessage:
    """An official's reply tells the author; a resident's tells officials and participants."""
    thread = reply.thread
    with force_locale(_push_locale()):
        if reply.author_role == OFFICIAL:
            return _queue(
                kind=KIND_ANSWER,
                commune=thread.commune,
                actor=reply.author,
                title=_("The official answered: %(thread)s", thread=_thread_name(thread)),
                body=reply.body,
                path=f"/t/{thread.id}",
                tag=f"t{thread.id}",
                ttl=THREAD_TTL,
                urgency="high",
                thread=thread,
                reply=reply,
            )
        return _queue(
            kind=KIND_DISCUSSION,
            commune=thread.commune,
            actor=reply.author,
            title=_("New reply: %(thread)s", thread=thread.title or thread.body),
            body=reply.body,
            path=f"/t/{thread.id}",
            tag=f"t{thread.id}",
            ttl=THREAD_TTL,
            urgency="high",
            thread=thread,
            reply=reply,
        )


def queue_status_change(change: StatusChange) -> PushMessage:
    thread = change.thread
    with force_locale(_push_locale()):
        return _queue(
            kind=KIND_ANSWER,
            commune=thread.commune,
            actor=change.actor,
            title=_(
                "%(thread)s: %(status)s",
                thread=_thread_name(thread),
                status=status_label(change.to_status),
            ),
            body=change.note or _("The status of your thread has changed."),
            path=f"/t/{thread.id}",
            tag=f"t{thread.id}",
            ttl=THREAD_TTL,
            urgency="high",
            thread=thread,
        )


def queue_new_thread(thread: Thread) -> PushMessage:
    with force_locale(_push_locale()):
        title = _("New question") if thread.kind == "question" else _("New problem report")
        return _queue(
            kind=KIND_NEW_THREAD,
            commune=thread.commune,
            actor=thread.author,
            title=f"{title}: {thread.title}" if thread.title else title,
            body=thread.body,
            path=f"/t/{thread.id}",
            tag=f"t{thread.id}",
            ttl=THREAD_TTL,
            urgency="normal",
            thread=thread,
        )


def queue_announcement(announcement: Announcement, commune: Commune) -> PushMessage:
    """Every member hears of it; an urgent one says so and goes with ``Urgency: high``, which
    phones saving battery (Android's Doze) deliver at once instead of minutes later."""
    title = announcement.title
    if announcement.urgent:
        with force_locale(_push_locale()):
            title = _("Urgent: %(title)s", title=title)
    return _queue(
        kind=KIND_ANNOUNCEMENT,
        commune=commune,
        actor=announcement.author,
        title=title,
        body=announcement.body,
        path=f"/c/{commune.slug}#announcement-{announcement.id}",
        tag=f"a{announcement.id}",
        ttl=ANNOUNCEMENT_TTL,
        urgency="high" if announcement.urgent else "normal",
        announcement=announcement,
    )


# --- audiences and expansion ----------------------------------------------------------------


def followers_of(thread_id: int | None) -> Select[Any]:
    return select(ThreadFollower.account_id).where(ThreadFollower.thread_id == thread_id)


def reads_thread() -> ColumnElement[bool]:
    """The joined member may read the joined thread: ``may_see_thread`` in SQL (officials
    always; its author always, hidden or not; anyone else only a public thread not hidden)."""
    return or_(
        Membership.role == OFFICIAL,
        Membership.account_id == Thread.author_id,
        and_(Thread.visibility == "public", Thread.hidden_at.is_(None)),
    )


def reads_reply() -> ColumnElement[bool]:
    """The joined member may read the joined reply: ``may_see_reply`` in SQL."""
    return or_(
        Membership.role == OFFICIAL,
        Reply.hidden_at.is_(None),
        Membership.account_id == Reply.author_id,
    )


def reads_announcement(now: datetime) -> ColumnElement[bool]:
    """``readable_announcement`` in SQL: residents until it expires, officials always."""
    return or_(
        Membership.role == OFFICIAL,
        Announcement.expires_at.is_(None),
        Announcement.expires_at > now,
    )


def audience(message: PushMessage) -> Select[Any]:
    """The subscriptions a message goes to: one query, so it scales to any group size.

    Computed when the worker expands the message, from what each member may read at that
    moment: a thread hidden (or a reply hidden) since it was queued reaches only those who
    still see it. Leaving the group ends a person's membership, so the join drops them;
    deleting an account deletes its subscriptions; a member stopped from posting still reads,
    so still hears. Retired subscriptions are left out.
    """
    wants = getattr(Membership, PREFERENCE_COLUMNS[message.kind])
    query = (
        select(PushSubscription.id)
        .join(Membership, Membership.account_id == PushSubscription.account_id)
        .where(
            Membership.commune_id == message.commune_id,
            wants.is_(true()),
            PushSubscription.retired_at.is_(None),
        )
    )
    if message.actor_id is not None:
        query = query.where(PushSubscription.account_id != message.actor_id)
    if message.thread_id is not None:
        query = query.join(Thread, Thread.id == message.thread_id).where(reads_thread())
    if message.reply_id is not None:
        query = query.join(Reply, Reply.id == message.reply_id).where(reads_reply())
    if message.announcement_id is not None:
        query = query.join(Announcement, Announcement.id == message.announcement_id).where(
            reads_announcement(utcnow())
        )
    # Members who follow the thread hear of it as its author and participants do.
    followers = followers_of(message.thread_id)
    if message.kind == KIND_ANSWER:
        query = query.where(
            or_(Membership.account_id == Thread.author_id, Membership.account_id.in_(followers))
        )
    elif message.kind == KIND_DISCUSSION:
        earlier = aliased(Reply)  # not the outer query's Reply (the reply being announced)
        repliers = select(earlier.author_id).where(
            earlier.thread_id == message.thread_id, earlier.author_id.is_not(None)
        )
        query = query.where(
            or_(
                Membership.role == OFFICIAL,
                Membership.account_id == Thread.author_id,
                Membership.account_id.in_(repliers),
                Membership.account_id.in_(followers),
            )
        )
    elif message.kind == KIND_NEW_THREAD:
        query = query.where(Membership.role == OFFICIAL)
    return query


def expand(message: PushMessage) -> int:
    """Write one pending delivery per target subscription; returns how many."""
    now = utcnow()
    targets = audience(message).subquery()
    rows = select(
        literal(message.id, Integer),
        targets.c.id,
        literal(PENDING, String),
        literal(0, Integer),
        literal(now, DateTime(timezone=True)),
        literal(False, Boolean),
        literal(now, DateTime(timezone=True)),
    )
    result = db.session.execute(
        insert(Delivery).from_select(
            [
                "message_id",
                "subscription_id",
                "state",
                "attempts",
                "next_attempt_at",
                "shrunk",
                "created_at",
            ],
            rows,
        )
    )
    message.expanded = True
    return result.rowcount or 0


# --- delivery reports ------------------------------------------------------------------------


def delivery_summaries(messages: Iterable[PushMessage]) -> dict[int, dict[str, int]]:
    """``{subscriptions, delivered, failed, expired, pending}`` per message id."""
    messages = list(messages)
    summaries = {
        m.id: {"subscriptions": 0, "delivered": 0, "failed": 0, "expired": 0, "pending": 0}
        for m in messages
    }
    expanded = [m.id for m in messages if m.expanded]
    if expanded:
        rows = db.session.execute(
            select(Delivery.message_id, Delivery.state, func.count(Delivery.id))
            .where(Delivery.message_id.in_(expanded))
            .group_by(Delivery.message_id, Delivery.state)
        ).all()
        names = dict(
            zip(DELIVERY_STATES, ("pending", "delivered", "failed", "expired"), strict=True)
        )
        for message_id, state, count in rows:
            summaries[message_id][names[state]] += count
            summaries[message_id]["subscriptions"] += count
    # Not yet expanded by the worker: everyone in the audience is still pending. All the
    # audiences are counted in one statement (per 400: SQLite's limit on a compound SELECT).
    waiting = [m for m in messages if not m.expanded]
    for start in range(0, len(waiting), 400):
        counts = union_all(
            *(
                select(
                    literal(m.id, Integer).label("message_id"),
                    select(func.count())
                    .select_from(audience(m).subquery())
                    .scalar_subquery()
                    .label("audience"),
                )
                for m in waiting[start : start + 400]
            )
        )
        for message_id, count in db.session.execute(select(counts.subquery())).all():
            summaries[message_id]["pending"] = summaries[message_id]["subscriptions"] = count or 0
    return summaries


def messages_for(
    *, announcement_ids: Iterable[int] = (), reply_ids: Iterable[int] = ()
) -> dict[tuple[str, int], PushMessage]:
    """The messages queued for these announcements and replies, keyed by (kind, id)."""
    announcement_ids, reply_ids = list(announcement_ids), list(reply_ids)
    conditions = []
    if announcement_ids:
        conditions.append(PushMessage.announcement_id.in_(announcement_ids))
    if reply_ids:
        conditions.append(PushMessage.reply_id.in_(reply_ids))
    if not conditions:
        return {}
    found: dict[tuple[str, int], PushMessage] = {}
    for message in db.session.scalars(select(PushMessage).where(or_(*conditions))):
        if message.announcement_id is not None:
            found[("announcement", message.announcement_id)] = message
        if message.reply_id is not None:
            found[("reply", message.reply_id)] = message
    return found
