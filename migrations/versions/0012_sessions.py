"""server-side sessions, a random session key per account, ids that are never reissued

Revision ID: 0012_sessions
Revises: 0011_idempotency
Create Date: 2026-12-02 01:00:00

SQLite reuses the highest row id after a delete unless a table says AUTOINCREMENT, which
only a rebuild can add: every table with an integer ``id`` is rebuilt with its rows and ids
(the search index excepted: ``search_entry`` ids never leave the database, its full-text
triggers would go with a rebuild, and the FTS5 tables are SQLite's own). SQLite then starts each table's sequence at the
highest id it holds. PostgreSQL sequences never reissue an id; nothing to do there.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012_sessions"
down_revision = "0011_idempotency"
branch_labels = None
depends_on = None

# The search index: internal ids, full-text triggers, and FTS5's own shadow tables.
NOT_REBUILT_PREFIX = "search_"


def upgrade():
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("session_key", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    ids = bind.execute(sa.text("SELECT id FROM account")).scalars().all()
    if ids:
        bind.execute(
            sa.text("UPDATE account SET session_key = :key WHERE id = :id"),
            [{"key": secrets.token_hex(32), "id": account_id} for account_id in ids],
        )
    with op.batch_alter_table("account") as batch:
        batch.alter_column("session_key", existing_type=sa.String(length=64), nullable=False)

    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_login_session_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_session_token_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_login_session_account_id"), "login_session", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_login_session_last_seen_at"), "login_session", ["last_seen_at"], unique=False
    )
    # A push subscription lives as long as the sign-in session that made it (existing ones
    # have none and stay until the browser unsubscribes or the account goes).
    with op.batch_alter_table("push_subscription") as batch:
        batch.add_column(sa.Column("login_session_id", sa.Integer(), nullable=True))
        batch.create_index(
            batch.f("ix_push_subscription_login_session_id"), ["login_session_id"], unique=False
        )
        batch.create_foreign_key(
            batch.f("fk_push_subscription_login_session_id_login_session"),
            "login_session",
            ["login_session_id"],
            ["id"],
            ondelete="CASCADE",
        )
    _rebuild_integer_id_tables(autoincrement=True)


def downgrade():
    _rebuild_integer_id_tables(autoincrement=False)
    with op.batch_alter_table("push_subscription") as batch:
        batch.drop_constraint(
            batch.f("fk_push_subscription_login_session_id_login_session"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_push_subscription_login_session_id"))
        batch.drop_column("login_session_id")
    op.drop_index(op.f("ix_login_session_last_seen_at"), table_name="login_session")
    op.drop_index(op.f("ix_login_session_account_id"), table_name="login_session")
    op.drop_table("login_session")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("session_key")


def _rebuild_integer_id_tables(*, autoincrement: bool) -> None:
    """SQLite only; migrations run with foreign keys off (migrations/env.py), so dropping
    the old table touches no other table's rows."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in _integer_id_tables(bind):
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def _integer_id_tables(bind: sa.engine.Connection) -> list[str]:
    inspector = sa.inspect(bind)
    names = []
    for name in inspector.get_table_names():
        if name.startswith(NOT_REBUILT_PREFIX) or name == "login_session":
            continue
        if inspector.get_pk_constraint(name)["constrained_columns"] != ["id"]:
            continue
        column = next(c for c in inspector.get_columns(name) if c["name"] == "id")
        if isinstance(column["type"], sa.Integer):
            names.append(name)
    return names
