"""Writing to and reading the audit log's rows.

The lowest domain layer: every concept records its events here, so this knows no concept
(an actor is anything with a name and an id, an account in practice). Reading the log as one
reader may see it is ``workspace.audit_log``'s."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import event, select, update

from app.audit.models import AuditEvent
from app.extensions import db


class Actor(Protocol):
    """Who did something: an ``Account``, seen only through what the log keeps of it."""

    id: int
    email: str | None
    display_name: str

    @property
    def is_staff(self) -> bool: ...


def record(
    actor: Actor | None,
    action: str,
    *,
    commune_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (not committed: it lands with the action it records)."""
    entry = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=(actor.email or actor.display_name) if actor else "system",
        commune_id=commune_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
    )
    db.session.add(entry)
    return entry


def events(
    *, commune_ids: Sequence[int] | None = None, before_id: int | None = None, limit: int = 100
) -> Sequence[AuditEvent]:
    """Newest first; ``commune_ids`` None means every commune (an unscoped admin)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if commune_ids is not None:
        query = query.where(AuditEvent.commune_id.in_(commune_ids))
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return db.session.scalars(query).all()


# The name left on what a deleted resident did (shown as "former member").
FORMER_MEMBER = "former member"


def forget_resident(account: Actor) -> None:
    """The one change the log allows: a resident who deletes their account. Their events
    (flags) stay, without their name or the reason they wrote. Staff stay named: what an
    official or admin did for the commune must stay answerable."""
    if account.is_staff:
        return
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.actor_id == account.id)
        .values(actor_name=FORMER_MEMBER, reason=None, detail=None)
    )


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AuditLogIsAppendOnly("audit events cannot be deleted")
