"""Tables of the workspace capability.

Besides these tables, search needs DDL that is not a model (see ``SEARCH_DDL`` below): an FTS5
virtual table with its triggers on SQLite, a GIN expression index on PostgreSQL. Both are
created with ``search_entry`` by ``create_all`` (the ``after_create`` event below) and by the
migration that creates ``search_entry``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Account
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column, utcnow


class SearchEntry(db.Model):
    """One searchable text: a thread (title and body) or a reply, folded for search.

    ``body`` holds the text lowercased, without diacritics (``đ`` -> ``d``), so that both
    databases match the same words the same way. The real text stays in ``thread``/``reply``.
    """

    __tablename__ = "search_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False, index=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # NULL for the thread's own text; a reply's id for a reply.
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="CASCADE"), unique=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Hidden by moderation: found by officials, never by residents.
    hidden: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )


# SQLite: an external-content FTS5 index over search_entry.body, kept in step by triggers.
# PostgreSQL: a GIN index on the same expression the search query uses.
SEARCH_DDL = {
    "sqlite": (
        "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_entry', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
        "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
        "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
        "CREATE TRIGGER search_entry_au AFTER UPDATE OF body ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
        "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
    ),
    "postgresql": (
        "CREATE INDEX ix_search_entry_body_tsv ON search_entry "
        "USING gin (to_tsvector('simple', body))",
    ),
}
SEARCH_DROP_DDL = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS search_entry_au",
        "DROP TRIGGER IF EXISTS search_entry_ad",
        "DROP TRIGGER IF EXISTS search_entry_ai",
        "DROP TABLE IF EXISTS search_fts",
    ),
    "postgresql": ("DROP INDEX IF EXISTS ix_search_entry_body_tsv",),
}
# Tables the FTS5 virtual table brings with it, and the GIN index: not models, so a schema
# comparison (alembic autogenerate, tests/test_migrations.py) must leave them out.
SEARCH_DDL_NAMES = frozenset(
    (
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_content",
        "search_fts_docsize",
        "search_fts_config",
        "ix_search_entry_body_tsv",
    )
)


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: compare everything but the search DDL."""
    return name not in SEARCH_DDL_NAMES


for _dialect, _statements in SEARCH_DDL.items():
    for _statement in _statements:
        event.listen(
            SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
for _dialect, _statements in SEARCH_DROP_DDL.items():
    for _statement in _statements:
        event.listen(
            SearchEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect)
        )


class ThreadRead(db.Model):
    """When an official last opened a thread: what happened since is unread."""

    __tablename__ = "thread_read"
    __table_args__ = (
        UniqueConstraint("account_id", "thread_id", name="uq_thread_read_account"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CannedReply(db.Model):
    """A commune's ready-made answer, inserted into a reply with one click."""

    __tablename__ = "canned_reply"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(80), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class ThreadNote(db.Model):
    """An internal note on a thread: officials only, never shown to residents."""

    __tablename__ = "thread_note"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    author: Mapped[Account | None] = relationship(lazy="joined")


class ThreadFollower(db.Model):
    """A member who follows a thread (instead of asking again): notified like a participant."""

    __tablename__ = "thread_follower"
    __table_args__ = (
        UniqueConstraint("thread_id", "account_id", name="uq_thread_follower_thread_account"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = created_at_column()


class Flag(db.Model):
    """A member's report that a post (thread or reply) should not be there. Once per member.

    Flags not yet ``reviewed_at`` count towards automatic hiding; an official's hide or
    restore reviews them.
    """

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "account_id", name="uq_flag_target_account"),
        CheckConstraint("target_type IN ('thread', 'reply')", name="target_type"),
        Index("ix_flag_commune_id_reviewed_at", "commune_id", "reviewed_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False
    )
    target_type: Mapped[str] = mapped_column(String(8), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # The thread flagged, or the thread of the reply flagged.
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reply_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
