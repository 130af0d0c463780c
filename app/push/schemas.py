"""Web push in JSON: the server's key, a browser's subscription, a notification's reach.

The subscription's checks (an allowed push service, a P-256 point and a 16-byte secret) are the
push subscriptions' own; these models describe them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, WithJsonSchema

from app.schema.out import Count, Out

Endpoint = Annotated[Any, WithJsonSchema({"type": "string", "minLength": 1})]
Key = Annotated[Any, WithJsonSchema({"type": "string"})]


class SubscriberKeys(BaseModel):
    p256dh: Key
    auth: Key


class Subscription(BaseModel):
    """What a browser's ``PushSubscription.toJSON()`` gives."""

    endpoint: Endpoint
    expirationTime: float | None = None
    keys: SubscriberKeys


class Unsubscription(BaseModel):
    endpoint: Endpoint


class ServerKey(Out):
    public_key: str


class Subscribed(Out):
    subscribed: Literal[True]


class Delivery(Out):
    """How far a notification reached: one count per outcome."""

    subscriptions: Count
    delivered: Count
    failed: Count
    expired: Count
    pending: Count
