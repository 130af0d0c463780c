"""The sender's decision, without a network: an answer (and the delivery's history) in, the
delivery's next state and what it means for the subscription out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.push.jobs import Job, Outcome, SubscriptionEffect
from app.push.sender import (
    BACKOFF_CAP_S,
    BAD_KEYS,
    DEFERRED,
    GAVE_UP,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_S,
    NO_SUBSCRIPTION,
    NON_PUBLIC,
    NOT_ALLOWED,
    REDIRECT,
    RETIRED,
    TTL_PASSED,
    backoff_delay,
    decide,
    parse_retry_after,
)
from app.push.subscriptions import RETIRE_AFTER

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
JOB = Job(
    delivery_id=1,
    subscription_id=7,
    endpoint="https://fcm.googleapis.com/fcm/send/x",
    p256dh="k",
    auth="a",
    payload="{}",
    topic="t1",
    urgency="high",
    expires_at=NOW + timedelta(days=2),
    attempts=0,
    shrunk=False,
)


def _decide(outcome: Outcome, job: Job = JOB, *, accepts: bool = True, jitter: float = 0.5):
    return decide(outcome, job, now=NOW, service_accepts_others=accepts, jitter=jitter)


@pytest.mark.parametrize("status", [200, 201, 202])
def test_accepted_is_delivered(status):
    decision = _decide(Outcome(status=status, origin="https://fcm.googleapis.com"))
    assert decision.state == "sent" and decision.attempts == 1 and decision.last_status == status
    assert decision.next_attempt_at is None and decision.last_error is None
    assert decision.subscription is SubscriptionEffect.KEEP


def test_accepted_after_refusals_ends_the_run_of_refusals():
    decision = _decide(Outcome(status=201), replace(JOB, failures=2))
    assert decision.subscription is SubscriptionEffect.CLEAR_FAILURES


@pytest.mark.parametrize("outcome", [Outcome(status=404), Outcome(status=410)])
def test_gone_deletes_the_subscription(outcome):
    decision = _decide(outcome)
    assert decision.state == "expired" and decision.subscription is SubscriptionEffect.DELETE


def test_a_deleted_subscription_expires_the_delivery():
    assert _decide(Outcome(error=NO_SUBSCRIPTION)).state == "expired"


@pytest.mark.parametrize("status", [400, 403])
def test_refusals_count_only_where_the_push_service_takes_others(status):
    counted = _decide(Outcome(status=status, reason="UnauthorizedRegistration"))
    assert counted.state == "failed" and counted.next_attempt_at is None
    assert counted.subscription is SubscriptionEffect.COUNT_REFUSAL
    assert counted.refusal == f"HTTP {status}: UnauthorizedRegistration"
    assert counted.last_error == "UnauthorizedRegistration"
    # The push service refuses everything: our fault (VAPID), never the subscription's.
    ours = _decide(Outcome(status=status), accepts=False)
    assert ours.state == "failed" and ours.subscription is SubscriptionEffect.KEEP
    assert ours.refusal is None


def test_the_third_refusal_in_a_row_retires_the_subscription():
    job = replace(JOB, failures=RETIRE_AFTER - 1)
    assert _decide(Outcome(status=403), job).subscription is SubscriptionEffect.RETIRE
    job = replace(JOB, failures=RETIRE_AFTER - 2)
    assert _decide(Outcome(status=403), job).subscription is SubscriptionEffect.COUNT_REFUSAL


@pytest.mark.parametrize("status", [401, 413, 422])
def test_other_client_errors_give_up_without_blaming_the_subscription(status):
    decision = _decide(Outcome(status=status))
    assert decision.state == "failed" and decision.subscription is SubscriptionEffect.KEEP


def test_too_many_requests_retries_after_what_the_push_service_asked():
    decision = _decide(Outcome(status=429, retry_after=120.0))
    assert decision.state == "pending" and decision.attempts == 1
    assert decision.next_attempt_at == NOW + timedelta(seconds=120)


@pytest.mark.parametrize("outcome", [Outcome(status=500), Outcome(status=503), Outcome()])
def test_server_and_network_errors_back_off_with_jitter(outcome):
    job = replace(JOB, attempts=3)  # the fourth attempt: a ceiling of 80 s
    low = _decide(outcome, job, jitter=0.0)
    high = _decide(outcome, job, jitter=0.999)
    assert low.state == high.state == "pending" and low.attempts == 4
    assert low.next_attempt_at == NOW + timedelta(seconds=40)
    assert NOW + timedelta(seconds=79) < high.next_attempt_at < NOW + timedelta(seconds=80)


def test_backoff_is_capped():
    assert backoff_delay(30, 0.999) <= BACKOFF_CAP_S
    assert backoff_delay(30, 0.0) == BACKOFF_CAP_S / 2


def test_a_deferred_job_is_not_an_attempt():
    """Held back because the push service asked every sender to wait: never sent."""
    decision = _decide(Outcome(error=DEFERRED, retry_after=30.0), replace(JOB, attempts=2))
    assert decision.state == "pending" and decision.attempts == 2
    assert decision.next_attempt_at == NOW + timedelta(seconds=30)


def test_retries_stop_after_the_last_attempt():
    decision = _decide(Outcome(status=503), replace(JOB, attempts=MAX_ATTEMPTS - 1))
    assert decision.state == "failed" and decision.last_error == GAVE_UP
    assert decision.attempts == MAX_ATTEMPTS


def test_retries_stop_at_the_ttl():
    job = replace(JOB, expires_at=NOW + timedelta(seconds=100))
    decision = _decide(Outcome(status=429, retry_after=100.0), job)
    assert decision.state == "failed" and decision.last_error == GAVE_UP


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(error=TTL_PASSED),
        Outcome(error=BAD_KEYS),
        Outcome(error=NON_PUBLIC),
        Outcome(error=NOT_ALLOWED, reason="not in PUSH_ALLOWED_HOSTS"),
        Outcome(status=301, error=REDIRECT),
        Outcome(error=RETIRED),
    ],
)
def test_errors_no_retry_can_fix_fail_at_once(outcome):
    decision = _decide(outcome)
    assert decision.state == "failed" and decision.next_attempt_at is None
    assert decision.last_error == outcome.error


def test_shrinking_is_remembered_and_errors_are_kept_short():
    decision = _decide(Outcome(status=413, shrunk=True, reason="x" * 500))
    assert decision.shrunk is True and decision.state == "failed"
    assert decision.last_error == "x" * 200
    assert _decide(Outcome(status=201), replace(JOB, shrunk=True)).shrunk is True


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        # A push service asking for longer than any message lives: the longest wait.
        ("9" * 30, MAX_RETRY_AFTER_S),
        ("9" * 5000, MAX_RETRY_AFTER_S),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER_S),
        # Not delta-seconds: "٣" and "²" are digits to str.isdigit(), not to HTTP.
        ("٣", 60.0),
        ("²", 60.0),
        ("-5", 60.0),
        ("--5", 60.0),
        ("", 60.0),
        (None, 60.0),
    ],
)
def test_retry_after_is_bounded(header, seconds):
    assert parse_retry_after(header) == seconds


def test_a_huge_retry_after_gives_up_instead_of_overflowing():
    # now + 10**30 seconds overflowed datetime: the decision raised and the worker's loop died.
    decision = _decide(Outcome(status=429, retry_after=parse_retry_after("9" * 30)))
    assert decision.state == "failed" and decision.last_error == GAVE_UP
