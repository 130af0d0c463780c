"""Sending one job to its push service, and deciding what the answer means.

``Sender`` encrypts (RFC 8291), signs once per push service (VAPID, RFC 8292) and posts over
one pool of keep-alive connections, remembering per push service what it answered (429: the
whole service waits; a 2xx: our signature is good there). ``decide`` is a pure function from
an answer to the delivery's next state, tested without a network.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType

import aiohttp

from app.models_base import utcnow
from app.parsing import parse_digits
from app.push.encryption import InvalidSubscriptionKeys, SubscriberKeys, encrypt
from app.push.endpoints import (
    EndpointNotAllowed,
    GuardedResolver,
    HostRule,
    NonPublicAddress,
    check_endpoint,
)
from app.push.jobs import Decision, Job, Outcome, SubscriptionEffect
from app.push.models import EXPIRED, FAILED, PENDING, SENT
from app.push.payloads import shrink_payload
from app.push.subscriptions import RETIRE_AFTER
from app.push.vapid import VapidSigner, endpoint_origin

log = logging.getLogger("app.push.sender")

MAX_ATTEMPTS = 8
BAD_KEYS = "bad keys"
DEFERRED = "deferred"
NO_SUBSCRIPTION = "no subscription"
NON_PUBLIC = "non-public address"
NOT_ALLOWED = "endpoint not allowed"
REDIRECT = "redirect not followed"
RETIRED = "subscription retired"
TTL_PASSED = "ttl passed"
GAVE_UP = "gave up: retries or TTL exhausted"
# Errors that no retry can fix.
FINAL_ERRORS = (TTL_PASSED, BAD_KEYS, NON_PUBLIC, NOT_ALLOWED, REDIRECT, RETIRED)
# What is read of a push service's answer: its reason, never a body of any size.
MAX_ANSWER_BYTES = 2048
BACKOFF_BASE_S = 10.0
BACKOFF_CAP_S = 3600.0
# Longer than any message lives (push services keep one for at most four weeks).
MAX_RETRY_AFTER_S = 31 * 24 * 3600
# Push services are few; the bound only guards against a flood of bogus endpoints.
MAX_CACHED_ORIGINS = 256
# 401/403 this many times in a row from one push service: our VAPID set-up is wrong.
AUTH_FAILURE_ALARM = 3


# --- deciding -------------------------------------------------------------------------------


def backoff_delay(attempts: int, jitter: float) -> float:
    """Exponential backoff with jitter (``jitter`` in [0, 1)): between half and all of the
    ceiling, so retries are spread and a recovering service is not stormed."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return ceiling / 2 + jitter * ceiling / 2


def parse_retry_after(value: str | None, default: float = 60.0) -> float:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), at most
    ``MAX_RETRY_AFTER_S``: a longer wait outlives every message, and "now + 10**20 s" would
    overflow."""
    if not value:
        return default
    value = value.strip()
    seconds = parse_digits(value, maximum=MAX_RETRY_AFTER_S, clamp=True)
    if seconds is not None:
        return float(seconds)
    try:
        wait = (parsedate_to_datetime(value) - utcnow()).total_seconds()
    except (TypeError, ValueError, OverflowError):
        return default
    return min(max(0.0, wait), float(MAX_RETRY_AFTER_S))


def decide(
    outcome: Outcome,
    job: Job,
    *,
    now: datetime,
    service_accepts_others: bool,
    jitter: float,
) -> Decision:
    """What an answer means: delivered, retry at a time, give up, or the subscription is gone;
    and for the subscription, whether this answer counts towards retiring it.

    ``service_accepts_others``: the same push service took other messages from us. Only then
    is a 400/403 the subscription's fault: when it refuses everything (a wrong VAPID_SUBJECT,
    a clock off by hours), the fault is ours, and retiring every subscription would lose them.
    """
    status = outcome.status
    deferred = outcome.error == DEFERRED  # held back unsent: not an attempt
    attempts = job.attempts + (0 if deferred else 1)
    error = outcome.error or outcome.reason
    common = {
        "attempts": attempts,
        "last_status": status,
        "last_error": error[:200] if error else None,
        "shrunk": job.shrunk or outcome.shrunk,
    }
    if status in (200, 201, 202):
        recovered = SubscriptionEffect.CLEAR_FAILURES if job.failures else SubscriptionEffect.KEEP
        return Decision(SENT, subscription=recovered, **common)
    if status in (404, 410) or outcome.error == NO_SUBSCRIPTION:
        return Decision(EXPIRED, subscription=SubscriptionEffect.DELETE, **common)
    retryable = deferred or status is None or status == 429 or status >= 500
    if not retryable or outcome.error in FINAL_ERRORS:
        if status in (400, 403) and service_accepts_others:
            effect = (
                SubscriptionEffect.RETIRE
                if job.failures + 1 >= RETIRE_AFTER
                else SubscriptionEffect.COUNT_REFUSAL
            )
            refusal = f"HTTP {status}: {outcome.reason or ''}"
            return Decision(FAILED, subscription=effect, refusal=refusal, **common)
        return Decision(FAILED, **common)
    delay = (
        outcome.retry_after if outcome.retry_after is not None else backoff_delay(attempts, jitter)
    )
    next_at = now + timedelta(seconds=delay)
    if attempts >= MAX_ATTEMPTS or next_at >= job.expires_at:
        return Decision(FAILED, **{**common, "last_error": GAVE_UP})
    return Decision(PENDING, next_attempt_at=next_at, **common)


# --- sending --------------------------------------------------------------------------------


class Sender:
    """Posts jobs to push services over pooled connections (use as ``async with``)."""

    def __init__(
        self,
        signer: VapidSigner,
        rules: tuple[HostRule, ...],
        *,
        concurrency: int,
        timeout: aiohttp.ClientTimeout,
    ) -> None:
        self.signer = signer
        self.rules = rules
        self.concurrency = concurrency
        self.timeout = timeout
        self._http: aiohttp.ClientSession | None = None
        # Push services that accepted a message from this worker: proof that our VAPID
        # signature is good there, so a 400/403 is the subscription's fault, not ours.
        self._accepted_origins: set[str] = set()
        self._checked_origins: dict[str, str | None] = {}  # origin -> refusal, None: allowed
        self._origins: dict[str, str] = {}  # "scheme://authority" of endpoints -> origin
        self._blocked_until: dict[str, float] = {}  # push-service origin -> monotonic time
        self._auth_failures: dict[str, int] = {}

    async def __aenter__(self) -> Sender:
        # The connector belongs to the running event loop, so it is made here, not in __init__.
        connector = aiohttp.TCPConnector(
            limit=self.concurrency,
            limit_per_host=self.concurrency,
            keepalive_timeout=60,
            resolver=GuardedResolver(self.rules),
        )
        self._http = aiohttp.ClientSession(
            connector=connector, timeout=self.timeout, auto_decompress=False
        )
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def accepts(self, origin: str | None) -> bool:
        """Whether this push service has taken a message from us."""
        return origin in self._accepted_origins

    async def send(self, job: Job) -> Outcome:
        if job.endpoint is None or job.p256dh is None or job.auth is None:
            return Outcome(error=NO_SUBSCRIPTION)
        if job.retired:
            return Outcome(error=RETIRED)
        ttl = int((job.expires_at - utcnow()).total_seconds())
        if ttl <= 0:
            return Outcome(error=TTL_PASSED)
        try:
            origin = self._origin(job.endpoint)
        except ValueError as error:
            return Outcome(error=NOT_ALLOWED, reason=str(error)[:200])
        refusal = self._refusal(job.endpoint, origin)
        if refusal is not None:
            return Outcome(error=NOT_ALLOWED, reason=refusal)
        blocked = self._blocked_until.get(origin, 0.0) - time.monotonic()
        if blocked > 0:
            return Outcome(error=DEFERRED, retry_after=blocked)
        try:
            keys = SubscriberKeys.from_b64(job.p256dh, job.auth)
        except InvalidSubscriptionKeys:
            return Outcome(error=BAD_KEYS)
        payload = shrink_payload(job.payload) if job.shrunk else job.payload
        outcome = await self._post(job, origin, keys, payload, ttl)
        if outcome.status == 413 and not job.shrunk:
            # Shrink once, at once; a second 413 fails for good.
            outcome = await self._post(job, origin, keys, shrink_payload(job.payload), ttl)
            outcome.shrunk = True
        return outcome

    def _origin(self, endpoint: str) -> str:
        """``endpoint_origin``, parsed once per push service: endpoints differ per subscription
        but share a few ``scheme://authority`` prefixes, and parsing cost ~6 % of a send."""
        start = endpoint.find("//") + 2
        end = endpoint.find("/", start) if start > 1 else -1
        prefix = endpoint[:end] if end > 0 and "?" not in endpoint[:end] else None
        origin = self._origins.get(prefix) if prefix is not None else None
        if origin is None:
            origin = endpoint_origin(endpoint)
            if prefix is not None and len(self._origins) < MAX_CACHED_ORIGINS:
                self._origins[prefix] = origin
        return origin

    def _refusal(self, endpoint: str, origin: str) -> str | None:
        """Why ``PUSH_ALLOWED_HOSTS`` forbids this endpoint now (None: allowed), checked once
        per origin. Stored endpoints were checked when subscribed, perhaps under other rules;
        and a host written as an address never reaches the guarded resolver."""
        if origin not in self._checked_origins:
            try:
                check_endpoint(endpoint, self.rules)
                self._checked_origins[origin] = None
            except EndpointNotAllowed as error:
                log.error("refused to send to %s: %s", origin, error)
                self._checked_origins[origin] = str(error)[:200]
        return self._checked_origins[origin]

    async def _post(
        self, job: Job, origin: str, keys: SubscriberKeys, payload: str, ttl: int
    ) -> Outcome:
        assert job.endpoint is not None and self._http is not None
        body = encrypt(payload.encode(), keys)
        headers = {
            "TTL": str(ttl),
            "Urgency": job.urgency,
            "Topic": job.topic,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": self.signer.authorization_for_origin(origin),
        }
        try:
            # Never follow a redirect: its target was never checked against PUSH_ALLOWED_HOSTS
            # (and aiohttp would POST the message there).
            async with self._http.post(
                job.endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                answer = await response.content.read(MAX_ANSWER_BYTES)
                status = response.status
                if 300 <= status < 400:
                    log.error(
                        "push service %s answered %d: the redirect is not followed", origin, status
                    )
                    return Outcome(status=status, error=REDIRECT, origin=origin)
                retry_after = None
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    # The whole push service asked us to slow down, not just this endpoint.
                    self._blocked_until[origin] = time.monotonic() + retry_after
                if status < 300:
                    self._accepted_origins.add(origin)
                self._watch_auth(origin, status)
                reason = None
                if status >= 400:
                    reason = " ".join(answer.decode("utf-8", "replace").split())[:150]
                return Outcome(status=status, retry_after=retry_after, reason=reason, origin=origin)
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, NonPublicAddress):
                log.error("refused to send to %s: it resolves to a non-public address", origin)
                return Outcome(error=NON_PUBLIC)
            return Outcome(error=f"network: {error.__class__.__name__}")
        except (aiohttp.ClientError, TimeoutError) as error:
            return Outcome(error=f"network: {error.__class__.__name__}")

    def _watch_auth(self, origin: str, status: int) -> None:
        if status in (401, 403):
            count = self._auth_failures.get(origin, 0) + 1
            self._auth_failures[origin] = count
            if count == AUTH_FAILURE_ALARM:
                log.critical(
                    "Push service %s rejected our VAPID signature %d times in a row (HTTP %d). "
                    "Check VAPID_SUBJECT and that instance/vapid_private.pem is the key the "
                    "browsers subscribed with.",
                    origin,
                    count,
                    status,
                )
            else:
                log.warning("push service %s answered %d", origin, status)
        elif status < 400:
            self._auth_failures.pop(origin, None)
        elif status == 400:
            log.warning("push service %s answered 400 (bad request)", origin)
