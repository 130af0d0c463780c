"""An urgent report no official has answered within 30 minutes is pushed, once, to the admins
whose area holds its commune (issue 14). Run by the push worker every minute
(app/push/periodic.py); ``Thread.escalated_at`` says it went out.

The admins do not read the commune's threads: the push names the commune and opens its admin
page (its officials, how to reach them), never the report's words, which may be for officials
only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, false, or_, select, update

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.notifications.messages import queue_escalation
from app.push.models import PushSubscription
from app.push.outbox import expand
from app.threads.deadlines import URGENT_RESPONSE
from app.threads.models import OPEN_STATUSES, Thread

ESCALATE_AFTER = timedelta(minutes=30)
EVERY_S = 60.0
# At most this many threads per run: a burst is escalated over the next minutes.
PER_RUN = 100


def admins_of(commune: Commune) -> Select[Any]:
    """The live push subscriptions of the admins whose area holds ``commune`` (as
    ``app.communes.areas.manages`` says, in SQL)."""
    return (
        select(PushSubscription.id)
        .join(Account, Account.id == PushSubscription.account_id)
        .where(
            Account.is_admin.is_(True),
            PushSubscription.retired_at.is_(None),
            or_(
                # national, or of the commune's province (by code, or by name for an admin
                # whose province the 2025 list did not recognise)
                Account.admin_province.is_(None) & Account.admin_province_code.is_(None),
                Account.admin_province_code == commune.province_code
                if commune.province_code is not None
                else false(),
                Account.admin_province_code.is_(None)
                & (Account.admin_province == commune.province),
            ),
        )
    )


def escalate_unanswered(now: datetime) -> int:
    """Push the admins about each urgent report still unanswered 30 minutes after its hour
    began (``respond_by`` minus 60 minutes); returns how many were escalated."""
    # The hour began at respond_by - 60 min; 30 min after that is respond_by - 30 min.
    due_by = (now + URGENT_RESPONSE - ESCALATE_AFTER).astimezone(UTC)
    due = select(Thread.id).where(
        Thread.urgent.is_(True),
        Thread.first_response_at.is_(None),
        Thread.escalated_at.is_(None),
        Thread.hidden_at.is_(None),
        Thread.status.in_(OPEN_STATUSES),
        Thread.respond_by <= due_by,
    )
    escalated = 0
    for thread_id in list(db.session.scalars(due.order_by(Thread.id).limit(PER_RUN))):
        # Claimed by an UPDATE that only one worker can win: pushed once, however many run.
        claimed = db.session.execute(
            update(Thread)
            .where(Thread.id == thread_id, Thread.escalated_at.is_(None))
            .values(escalated_at=now.astimezone(UTC))
        )
        if claimed.rowcount != 1:
            continue
        thread = db.session.get(Thread, thread_id)
        assert thread is not None
        message = queue_escalation(thread)
        db.session.flush()
        expand(message, admins_of(thread.commune))
        escalated += 1
    return escalated
