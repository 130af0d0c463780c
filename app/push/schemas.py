"""Web push in JSON: the server's key, a browser's subscription, notification switches.

The subscription's checks (an allowed push service, a P-256 point and a 16-byte secret) and the
switches' (known names, booleans) are the push services' own; these models describe them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, WithJsonSchema

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


class Switches(BaseModel):
    """Any subset of the switches; another name is refused."""

    model_config = ConfigDict(extra="forbid")
    answers: bool = False
    discussion: bool = False
    announcements: bool = False
    new_threads: bool = False


class Preferences(Out):
    answers: bool
    discussion: bool
    announcements: bool
    new_threads: bool


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
