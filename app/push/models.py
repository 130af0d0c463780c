"""Push subscriptions, the messages to send, and the durable delivery outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column, utcnow

# What a message is about; each maps to one per-member notification switch.
KIND_ANSWER = "answer"  # an official replied to, or moved, my thread
KIND_DISCUSSION = "discussion"  # a resident replied in a thread I take part in
KIND_ANNOUNCEMENT = "announcement"
KIND_NEW_THREAD = "new_thread"  # for officials: a resident opened a thread
KIND_DUPLICATE = "duplicate"  # my thread (or one I follow or support) was closed as a duplicate
KIND_OVERDUE = "overdue"  # for officials: a thread missed its deadline
KIND_DIGEST = "digest"  # for officials and admins: the morning list of overdue threads
KIND_ESCALATION = "escalation"  # for admins: an urgent report nobody answered in 30 minutes

KINDS = (
    KIND_ANSWER,
    KIND_DISCUSSION,
    KIND_ANNOUNCEMENT,
    KIND_NEW_THREAD,
    KIND_DUPLICATE,
    KIND_OVERDUE,
    KIND_DIGEST,
    KIND_ESCALATION,
)

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
EXPIRED = "expired"
DELIVERY_STATES = (PENDING, SENT, FAILED, EXPIRED)


class PushSubscription(db.Model):
    """One browser's push endpoint and keys, owned by the signed-in account."""

    __tablename__ = "push_subscription"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The signed-in browser session that subscribed: signing out there (or any end of that
    # session) deletes the subscription, so a signed-out phone hears nothing of the account.
    login_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("login_session.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    p256dh: Mapped[str] = mapped_column(String(128), nullable=False)
    auth: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 400/403 answers in a row (a success resets it); after RETIRE_AFTER the subscription is
    # retired: kept, with the push service's reason, but never sent to again.
    failures: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0"), nullable=False
    )
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class PushMessage(db.Model):
    """One event to notify about, with its audience; the worker expands it into deliveries."""

    __tablename__ = "push_message"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in KINDS)})", name="kind"),
        Index("ix_push_message_unexpanded", "expanded", "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False
    )
    # Who caused it: never notified of their own action.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), index=True
    )
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="CASCADE"), index=True
    )
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    # The JSON the phone receives: a Declarative Web Push message (app/push/payloads.py).
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    topic: Mapped[str] = mapped_column(String(32), nullable=False)
    urgency: Mapped[str] = mapped_column(String(8), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expanded: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class Delivery(db.Model):
    """The outbox: one row per (message, subscription), with its outcome."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("message_id", "subscription_id", name="uq_delivery_message_subscription"),
        CheckConstraint("state IN ('pending', 'sent', 'failed', 'expired')", name="state"),
        # The worker's claim query: due pending rows, oldest first.
        Index("ix_delivery_due", "state", "next_attempt_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("push_message.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # Kept (as NULL) when the push service says the subscription is gone, for the counts.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscription.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(8), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    # A worker's claim; a killed worker's rows are claimable again once it passes.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(36))
    shrunk: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    message: Mapped[PushMessage] = relationship()
    subscription: Mapped[PushSubscription | None] = relationship()
