"""Threads, replies, the recorded history of status changes, and what officials and members
add to a thread: internal notes, followers, flags, and the search index.

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
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.models_base import IDS_NEVER_REUSED, created_at_column

KINDS = ("question", "report")
VISIBILITIES = ("public", "officials")
STATUSES = ("new", "acknowledged", "in_progress", "resolved", "declined")
OPEN_STATUSES = ("new", "acknowledged", "in_progress")


class Category(db.Model):
    """A commune's field of questions (roads, flooding, waste, ...), chosen when asking."""

    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("commune_id", "name", name="uq_category_commune_name"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    # Short stable code for outside clients (Open311 service_code).
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Deadlines (docs/accountability.md): working hours to the first answer, working days to
    # resolved or declined.
    response_hours: Mapped[int] = mapped_column(
        Integer, nullable=False, default=8, server_default=text("8")
    )
    resolve_days: Mapped[int] = mapped_column(
        Integer, nullable=False, default=5, server_default=text("5")
    )
    # A personal matter (papers about one's family, a complaint about a neighbour): a new
    # question in it is seen by the officials only, unless its author chooses otherwise.
    personal: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = created_at_column()


class Thread(db.Model):
    __tablename__ = "thread"
    __table_args__ = (
        CheckConstraint("kind IN ('question', 'report')", name="kind"),
        CheckConstraint("visibility IN ('public', 'officials')", name="visibility"),
        CheckConstraint(
            "status IN ('new', 'acknowledged', 'in_progress', 'resolved', 'declined')",
            name="status",
        ),
        # The feed reads one commune's threads newest first.
        Index("ix_thread_commune_id_id", "commune_id", "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("commune.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    # One optional photo, re-encoded without metadata, stored under a random name.
    photo_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    photo_width: Mapped[int | None] = mapped_column(Integer)
    photo_height: Mapped[int | None] = mapped_column(Integer)
    # One optional voice note (app/threads/voice.py), stripped of metadata, under a random name.
    voice_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    voice_mime: Mapped[str | None] = mapped_column(String(16))
    voice_duration_ms: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="SET NULL"), index=True
    )
    # The official who takes care of it.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    # Moderation: hidden from residents (its author still sees it, with the reason).
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    # Where the problem is: given only when the resident chose to (or by an Open311 client).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(250))
    # Accountability (app/accountability/deadlines.py): an urgent report must be answered within
    # an hour of clock time; others by their category's working hours and days. Fixed when the
    # thread is created (and the resolve deadline again when its author says it is not fixed).
    urgent: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    respond_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolve_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first official reply or status change.
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the overdue push, and an urgent report's push to the province's admins, went out
    # (each goes once).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    commune: Mapped[Commune] = relationship()
    # Joined: every list of threads shows each one's category.
    category: Mapped[Category | None] = relationship(lazy="joined")
    author: Mapped[Account | None] = relationship(lazy="joined", foreign_keys=[author_id])
    assignee: Mapped[Account | None] = relationship(foreign_keys=[assignee_id])
    replies: Mapped[list[Reply]] = relationship(
        back_populates="thread", order_by="Reply.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="thread", order_by="StatusChange.id", cascade="all, delete-orphan"
    )


class Reply(db.Model):
    __tablename__ = "reply"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    # The author's role when they wrote it: an answer stays an official answer.
    author_role: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # An optional voice note, as on a thread (a voice answer may have no text).
    voice_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    voice_mime: Mapped[str | None] = mapped_column(String(16))
    voice_duration_ms: Mapped[int | None] = mapped_column(Integer)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    thread: Mapped[Thread] = relationship(back_populates="replies")
    author: Mapped[Account | None] = relationship(lazy="joined")


class StatusChange(db.Model):
    __tablename__ = "status_change"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(String(16), nullable=False)
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    thread: Mapped[Thread] = relationship(back_populates="history")
    actor: Mapped[Account | None] = relationship(lazy="joined")


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


class ThreadSupport(db.Model):
    """A member's "me too" on a public thread: the same problem touches them (once each)."""

    __tablename__ = "thread_support"
    __table_args__ = (
        UniqueConstraint("thread_id", "account_id", name="uq_thread_support_thread_account"),
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


class Confirmation(db.Model):
    """The author's answer to "Đã được khắc phục chưa?" after a thread was resolved: once per
    resolution (the status change that resolved it), with an optional rating of 1 to 5."""

    __tablename__ = "confirmation"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    resolution_id: Mapped[int] = mapped_column(
        ForeignKey("status_change.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    fixed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


# Every load of threads brings its "me too" count (a subquery, not a query per thread) and its
# author's confirmations (one more query per list, whatever its length).
Thread.supporters = column_property(
    select(func.count(ThreadSupport.id))
    .where(ThreadSupport.thread_id == Thread.id)
    .correlate_except(ThreadSupport)
    .scalar_subquery()
)
Thread.confirmations = relationship(
    Confirmation, order_by=Confirmation.id, lazy="selectin", viewonly=True
)


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
