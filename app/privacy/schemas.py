"""``GET /me/export``: everything stored about a person (``privacy.services.export_data``)."""

from __future__ import annotations

from typing import Literal

from app.accounts.schemas import Kind
from app.membership.schemas import Preferences, Role
from app.schema.out import DbId, Out, TimeText
from app.threads.models import KINDS, STATUSES, VISIBILITIES


class ExportedAccount(Out):
    id: DbId
    display_name: str
    email: str | None
    kind: Kind
    created_at: TimeText


class ExportedMembership(Out):
    commune: str
    role: Role
    joined_at: TimeText
    notifications: Preferences


class ExportedThread(Out):
    id: DbId
    commune: str
    kind: Literal[KINDS]
    title: str
    body: str
    visibility: Literal[VISIBILITIES]
    status: Literal[STATUSES]
    has_photo: bool
    created_at: TimeText


class ExportedReply(Out):
    id: DbId
    thread_id: DbId
    body: str
    created_at: TimeText


class ExportedSubscription(Out):
    endpoint: str
    created_at: TimeText


class FlagTarget(Out):
    type: str
    id: int


class ExportedFlag(Out):
    target: FlagTarget
    reason: str | None
    created_at: TimeText


class ExportedSession(Out):
    device: str
    created_at: TimeText
    last_seen_at: TimeText


class Export(Out):
    account: ExportedAccount
    memberships: list[ExportedMembership]
    threads: list[ExportedThread]
    replies: list[ExportedReply]
    push_subscriptions: list[ExportedSubscription]
    flags: list[ExportedFlag]
    sessions: list[ExportedSession]
