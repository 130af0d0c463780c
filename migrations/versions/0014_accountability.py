"""accountability: deadlines per category, a thread's deadlines and first answer, urgent
reports, "me too", the author's confirmation and rating, a province's days off

Revision ID: 0014_accountability
Revises: 0013_open311_publication
Create Date: 2026-12-02 18:00:00

Threads from before keep no deadline (they were asked without one); their first answer is
filled in from the replies and status changes they already have.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_accountability"
down_revision = "0013_open311_publication"
branch_labels = None
depends_on = None

KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade():
    with op.batch_alter_table("category", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(
            sa.Column("response_hours", sa.Integer(), server_default=sa.text("8"), nullable=False)
        )
        batch.add_column(
            sa.Column("resolve_days", sa.Integer(), server_default=sa.text("5"), nullable=False)
        )
    with op.batch_alter_table("thread", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(
            sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        for name in (
            "respond_by",
            "resolve_by",
            "first_response_at",
            "overdue_notified_at",
            "escalated_at",
        ):
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE thread SET first_response_at = ("
        " SELECT MIN(answered) FROM ("
        "  SELECT reply.thread_id AS thread_id, reply.created_at AS answered FROM reply"
        "  WHERE reply.author_role = 'official'"
        "  UNION ALL"
        "  SELECT status_change.thread_id, status_change.created_at FROM status_change"
        " ) AS answers WHERE answers.thread_id = thread.id)"
    )

    op.create_table(
        "thread_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE", name=op.f("fk_thread_support_account_id_account")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], ondelete="CASCADE", name=op.f("fk_thread_support_thread_id_thread")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_support")),
        sa.UniqueConstraint(
            "thread_id", "account_id", name="uq_thread_support_thread_account"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_thread_support_account_id", "thread_support", ["account_id"])

    op.create_table(
        "confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("fixed", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)", name=op.f("ck_confirmation_rating")
        ),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="SET NULL", name=op.f("fk_confirmation_account_id_account")),
        sa.ForeignKeyConstraint(["resolution_id"], ["status_change.id"], ondelete="CASCADE", name=op.f("fk_confirmation_resolution_id_status_change")),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"], ondelete="CASCADE", name=op.f("fk_confirmation_thread_id_thread")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmation")),
        sa.UniqueConstraint("resolution_id", name=op.f("uq_confirmation_resolution_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_confirmation_thread_id", "confirmation", ["thread_id"])
    op.create_index("ix_confirmation_account_id", "confirmation", ["account_id"])

    op.create_table(
        "day_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["account.id"], ondelete="SET NULL", name=op.f("fk_day_off_added_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_off")),
        sa.UniqueConstraint("province", "day", name="uq_day_off_province_day"),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("day_off")
    op.drop_index("ix_confirmation_account_id", table_name="confirmation")
    op.drop_index("ix_confirmation_thread_id", table_name="confirmation")
    op.drop_table("confirmation")
    op.drop_index("ix_thread_support_account_id", table_name="thread_support")
    op.drop_table("thread_support")
    with op.batch_alter_table("thread", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        for name in (
            "escalated_at",
            "overdue_notified_at",
            "first_response_at",
            "resolve_by",
            "respond_by",
            "urgent",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("category", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_column("resolve_days")
        batch.drop_column("response_hours")
