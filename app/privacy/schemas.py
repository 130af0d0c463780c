"""``GET /me/export``: everything stored about a person (``privacy.services.export_data``),
built from the rows by these models, which are also the document's shape."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from app.accounts.schemas import Kind
from app.membership.schemas import Preferences, Role
from app.schema.out import DbId, Out, Time
from app.threads.models import KINDS, STATUSES, VISIBILITIES
from app.threads.schemas import Voice


class ExportedAccount(Out):
    id: DbId
    display_name: str
    email: str | None
    kind: Kind
    created_at: Time


class ExportedMembership(Out):
    commune: str
    role: Role
    joined_at: Time
    notifications: Preferences

    @classmethod
    def of(cls, membership: Any) -> ExportedMembership:
        return cls(
            commune=membership.commune.slug,
            role=membership.role,
            joined_at=membership.created_at,
            notifications=Preferences(
                answers=membership.notify_answers,
                discussion=membership.notify_discussion,
                announcements=membership.notify_announcements,
                new_threads=membership.notify_new_threads,
            ),
        )


class ExportedThread(Out):
    id: DbId
    commune: str
    kind: Literal[KINDS]
    title: str
    body: str
    visibility: Literal[VISIBILITIES]
    status: Literal[STATUSES]
    has_photo: bool
    voice: Voice | None = Field(description="the voice note, to download while signed in")
    created_at: Time

    @classmethod
    def of(cls, thread: Any) -> ExportedThread:
        return cls(
            id=thread.id,
            commune=thread.commune.slug,
            kind=thread.kind,
            title=thread.title,
            body=thread.body,
            visibility=thread.visibility,
            status=thread.status,
            has_photo=thread.photo_name is not None,
            voice=Voice.of(thread),
            created_at=thread.created_at,
        )


class ExportedReply(Out):
    id: DbId
    thread_id: DbId
    body: str
    voice: Voice | None = Field(description="the voice note, to download while signed in")
    created_at: Time

    @classmethod
    def of(cls, reply: Any) -> ExportedReply:
        return cls(
            id=reply.id,
            thread_id=reply.thread_id,
            body=reply.body,
            voice=Voice.of(reply),
            created_at=reply.created_at,
        )


class ExportedSupport(Out):
    """A "me too" the member gave on a public thread."""

    thread_id: DbId
    created_at: Time


class ExportedConfirmation(Out):
    """The member's answer to "Đã được khắc phục chưa?" on one of their threads."""

    thread_id: DbId
    fixed: bool
    rating: int | None
    comment: str | None
    created_at: Time


class ExportedSubscription(Out):
    """The endpoint identifies a browser at its push service; the keys stay private."""

    endpoint: str
    created_at: Time


class FlagTarget(Out):
    type: str
    id: int


class ExportedFlag(Out):
    target: FlagTarget
    reason: str | None
    created_at: Time

    @classmethod
    def of(cls, flag: Any) -> ExportedFlag:
        return cls(
            target=FlagTarget(type=flag.target_type, id=flag.target_id),
            reason=flag.reason,
            created_at=flag.created_at,
        )


class ExportedSession(Out):
    device: str
    created_at: Time
    last_seen_at: Time


class Export(Out):
    account: ExportedAccount
    memberships: list[ExportedMembership]
    threads: list[ExportedThread]
    replies: list[ExportedReply]
    supports: list[ExportedSupport]
    confirmations: list[ExportedConfirmation]
    push_subscriptions: list[ExportedSubscription]
    flags: list[ExportedFlag]
    sessions: list[ExportedSession]
