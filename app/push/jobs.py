"""What passes between the outbox, the sender and the worker's loop: plain values, no session.

The outbox reads a ``Job`` per claimed delivery; the sender turns it into an ``Outcome`` (what
the push service answered); ``sender.decide`` turns that into a ``Decision``, which the outbox
writes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass
class Job:
    """One claimed delivery with everything needed to send it (detached from the session)."""

    delivery_id: int
    subscription_id: int | None
    endpoint: str | None
    p256dh: str | None
    auth: str | None
    payload: str
    topic: str
    urgency: str
    expires_at: datetime
    attempts: int
    shrunk: bool
    failures: int = 0  # the subscription's 400/403 answers in a row so far
    retired: bool = False


@dataclass
class Outcome:
    """What came of one attempt to send a job."""

    status: int | None = None  # HTTP status, None for a network error or timeout
    error: str | None = None
    retry_after: float | None = None
    shrunk: bool = False  # the payload was shrunk for this attempt (after a 413)
    reason: str | None = None  # the push service's own words with a 4xx/5xx
    origin: str | None = None


class SubscriptionEffect(StrEnum):
    """What an answer means for the subscription (not only the delivery)."""

    KEEP = "keep"
    CLEAR_FAILURES = "clear failures"  # taken after 400/403 answers: the run is over
    COUNT_REFUSAL = "count refusal"  # one more 400/403 in a row
    RETIRE = "retire"  # the RETIRE_AFTER-th 400/403 in a row
    DELETE = "delete"  # 404/410: the push service forgot it


@dataclass(frozen=True)
class Decision:
    """The delivery's next state (a value of ``DELIVERY_STATES``) and what else to write."""

    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    shrunk: bool
    next_attempt_at: datetime | None = None  # set when the delivery is retried
    subscription: SubscriptionEffect = SubscriptionEffect.KEEP
    refusal: str | None = None  # kept as the retired subscription's reason
