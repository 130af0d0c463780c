"""The audit log in JSON (read only)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import WithJsonSchema

from app.schema.out import DbId, Out, Time
from app.workspace.audit_entries import AuditEntry

Detail = Annotated[Any, WithJsonSchema({"description": "what changed: any JSON value, or null"})]


class Actor(Out):
    id: DbId | None
    name: str


class Target(Out):
    type: str
    id: int | None


class AuditEvent(Out):
    id: DbId
    action: str
    actor: Actor
    commune: str | None
    target: Target | None
    reason: str | None
    # A reason the reader may not read (about a post they cannot open) is left out.
    reason_withheld: bool
    detail: Detail
    created_at: Time

    @classmethod
    def of(cls, event: AuditEntry, commune_slugs: dict[int, str]) -> AuditEvent:
        return cls(
            id=event.id,
            action=event.action,
            actor=Actor(id=event.actor_id, name=event.actor_name),
            commune=commune_slugs.get(event.commune_id) if event.commune_id else None,
            target=(
                Target(type=event.target_type, id=event.target_id) if event.target_type else None
            ),
            reason=event.reason,
            reason_withheld=event.reason_withheld,
            detail=json.loads(event.detail) if event.detail else None,
            created_at=event.created_at,
        )


class AuditLog(Out):
    items: list[AuditEvent]
    next_cursor: str | None
