"""Browsers' push subscriptions: subscribing, unsubscribing, and what the push services' answers
do to them (forgotten after 404/410, retired after a run of 400/403)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, exists, select, update

from app.accounts.models import Account
from app.errors import ValidationError
from app.extensions import db
from app.models_base import utcnow
from app.push.encryption import InvalidSubscriptionKeys, SubscriberKeys
from app.push.endpoints import EndpointNotAllowed, HostRule, check_endpoint
from app.push.models import PushSubscription
from app.schema.text import is_storable

# 400/403 this many times in a row (and the push service accepts others): the subscription is
# dead on the push service's side (revoked, or made with another key), so it is retired.
RETIRE_AFTER = 3


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


@functools.cache
def _session_subscribed_query() -> Select:
    # Built once per process and run without the ORM: every resident's page asks it.
    return select(
        exists().where(
            PushSubscription.account_id == bindparam("account_id"),
            PushSubscription.login_session_id == bindparam("session_id"),
            PushSubscription.retired_at.is_(None),
        )
    )


def session_subscribed(account_id: int, session_id: int | None) -> bool:
    """Whether the server holds a live subscription made in this sign-in session (this phone):
    only then do the pages say notifications are on (the browser's permission alone says
    nothing of whether the server can reach it)."""
    if session_id is None:
        return False
    params = {"account_id": account_id, "session_id": session_id}
    return bool(db.session.connection().execute(_session_subscribed_query(), params).scalar())


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


def count_failures(reasons: dict[int, str], *, retire_after: int = RETIRE_AFTER) -> None:
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
