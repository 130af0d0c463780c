"""Idempotent posting: a question or reply sent twice with the same key is created once.

A client (the outbox on the phone, an API client, the plain form's hidden field) picks one
random key per thing it means to post and sends it with every attempt. The key is claimed in
the same transaction that creates the thread or reply, so a key is remembered only with what it
created: a refused attempt leaves nothing behind and may be sent again with the same key.

Keys belong to one account (the same key from another account is another request) and are kept
for ``KEEP_FOR``; an older key is forgotten. A key sent again with a different request (another
body, another thread or commune) is refused (422): the client has a bug, and guessing which of
the two it meant could lose or duplicate a post.

Two attempts racing with the same key: the second one's insert waits on the unique constraint
until the first commits (PostgreSQL), or waits for the write lock (SQLite begins writing
requests IMMEDIATE), then finds the key taken and answers with the first one's result.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column, utcnow
from app.threads.models import Reply, Thread

HEADER = "Idempotency-Key"
# Marks an answer that is an earlier request's result, not something created now.
REPLAYED = "Idempotent-Replayed"
FORM_FIELD = "idempotency_key"
# 16 to 64 URL-safe characters: a UUID, 32 hex digits, 22 base64url characters of 16 random
# bytes. At least 16, so that a client cannot fall into reusing short counters by accident.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# An outbox item normally goes out within minutes of its first attempt; a phone that sent, lost
# the answer and was then switched off for days still sends it again within a week.
KEEP_FOR = timedelta(days=7)

Posted = TypeVar("Posted", Thread, Reply)


class KeyReused(ValidationError):
    """The key already named another request of this account."""

    code = "idempotency_key_reused"


class IdempotencyKey(db.Model):
    """One key an account posted with, and what it created (a thread or a reply)."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        # The one rule everything rests on: an account uses a key once.
        UniqueConstraint("account_id", "key", name="uq_idempotency_key_account_key"),
        CheckConstraint("thread_id IS NULL OR reply_id IS NULL", name="one_result"),
        Index("ix_idempotency_key_created_at", "created_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    # SHA-256 of what was asked (the operation and its fields): a repeat must ask the same.
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # Set in the transaction that claimed the key; a deleted post takes its key with it.
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), index=True
    )
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()

    thread: Mapped[Thread | None] = relationship()
    reply: Mapped[Reply | None] = relationship()


def parse_key(raw: str | None) -> str | None:
    """The key of a request, None when it sent none; a malformed one is a 422.

    The header may be sent bare (``abc…``) or as a structured-field string (``"abc…"``), as the
    IETF draft on the Idempotency-Key header writes it.
    """
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            _(
                "The Idempotency-Key must be 16 to 64 characters: letters, digits, "
                "hyphens or underscores."
            ),
            field=HEADER,
        )
    return key


def new_form_key() -> str:
    """A one-time key for a plain form's hidden field (a new one on every page)."""
    return secrets.token_urlsafe(16)


def request_hash(
    operation: str,
    fields: Mapping[str, Any],
    photo: bytes | None = None,
    voice: bytes | None = None,
) -> str:
    """A fingerprint of what is asked: the operation (``thread:<commune id>``, ``reply:<thread
    id>``), the fields as sent (key order and the form's key field aside), the photo's and the
    voice note's bytes."""
    kept = {name: value for name, value in fields.items() if name != FORM_FIELD}
    digest = hashlib.sha256(operation.encode())
    # ASCII escapes: text that cannot be stored (a lone surrogate) still has a fingerprint.
    digest.update(json.dumps(kept, sort_keys=True, default=str).encode())
    if photo is not None:
        digest.update(hashlib.sha256(photo).digest())
    if voice is not None:
        # Marked, so that the same bytes as a photo or as a voice note are two requests.
        digest.update(b"voice" + hashlib.sha256(voice).digest())
    return digest.hexdigest()


def post_once(
    account: Account,
    key: str | None,
    create: Callable[[], Posted],
    *,
    operation: str,
    fields: Mapping[str, Any],
    photo: bytes | None = None,
    voice: bytes | None = None,
) -> tuple[Posted, bool]:
    """``create()`` unless ``account`` already posted with ``key``: ``(post, created)``.

    ``operation``, ``fields``, ``photo`` and ``voice`` are what is asked (see
    ``request_hash``). Without a key, simply ``create()``. Not committed: the key is kept only
    if the caller commits what ``create`` made.
    """
    if key is None:
        return create(), True
    fingerprint = request_hash(operation, fields, photo, voice)
    _forget_old(account, key)
    table = IdempotencyKey.__table__
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    # On PostgreSQL this waits for a concurrent transaction holding the same key to end.
    claimed = db.session.execute(
        insert(table)
        .values(account_id=account.id, key=key, request_hash=fingerprint, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["account_id", "key"])
        .returning(table.c.id)
    ).scalar_one_or_none()
    if claimed is None:
        return _earlier(account, key, fingerprint), False
    post = create()
    column = table.c.thread_id if isinstance(post, Thread) else table.c.reply_id
    db.session.execute(table.update().where(table.c.id == claimed).values({column: post.id}))
    return post, True


def _earlier(account: Account, key: str, fingerprint: str) -> Any:
    """What the earlier request with this key created; 422 if it asked something else."""
    earlier = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == account.id, IdempotencyKey.key == key
        )
    )
    if earlier is None:
        # Its post was deleted (and took the key) between our insert and this read.
        raise Conflict(_("This question or reply was just deleted. Please send it again."))
    if earlier.request_hash != fingerprint:
        raise KeyReused(
            _(
                "This Idempotency-Key was already used for a different request. "
                "Use a new key for each new question or reply."
            ),
            field=HEADER,
        )
    return earlier.thread or earlier.reply


def _forget_old(account: Account, key: str) -> None:
    """A key older than ``KEEP_FOR`` is forgotten: this one now, all of them now and then."""
    cutoff = utcnow() - KEEP_FOR
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.account_id == account.id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at < cutoff,
        )
    )
    if random.random() < 0.01:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
