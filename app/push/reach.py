"""How far each message got: its deliveries by state, or, before the worker has expanded it,
everyone in its audience (as ``app/notifications`` registered it) still pending."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import Integer, func, literal, or_, select, union_all

from app.extensions import db
from app.push.models import DELIVERY_STATES, Delivery, PushMessage
from app.push.outbox import registered_audience

# SQLite's limit on the terms of a compound SELECT.
_COMPOUND_LIMIT = 400


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
    audience = registered_audience(current_app._get_current_object())  # type: ignore[attr-defined]
    for start in range(0, len(waiting), _COMPOUND_LIMIT):
        counts = union_all(
            *(
                select(
                    literal(m.id, Integer).label("message_id"),
                    select(func.count())
                    .select_from(audience(m).subquery())
                    .scalar_subquery()
                    .label("audience"),
                )
                for m in waiting[start : start + _COMPOUND_LIMIT]
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
