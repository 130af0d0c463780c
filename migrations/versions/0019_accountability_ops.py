"""accountability, the officials' side: a thread closed as a duplicate of another (and the
closing in its history), notifications of their own kinds (escalations were stored as
new_thread: they become escalation), the record of each morning digest

Revision ID: 0019_accountability_ops
Revises: 0018_province_code
Create Date: 2026-12-03 12:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0019_accountability_ops"
down_revision = "0018_province_code"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}

OLD_KINDS = ("answer", "discussion", "announcement", "new_thread")
NEW_KINDS = (*OLD_KINDS, "duplicate", "overdue", "digest", "escalation")


def _kinds(kinds):
    return f"kind IN ({', '.join(repr(kind) for kind in kinds)})"


def upgrade():
    with op.batch_alter_table("thread", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_thread_duplicate_of_id_thread"),
            "thread",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_thread_duplicate_of_id", ["duplicate_of_id"])
    with op.batch_alter_table("status_change", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_status_change_duplicate_of_id_thread"),
            "thread",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("push_message", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("ck_push_message_kind"), type_="check")
        batch.create_check_constraint("kind", _kinds(NEW_KINDS))
    # An urgent report's push to the admins is tagged e<thread id> (app/notifications).
    op.execute(
        "UPDATE push_message SET kind = 'escalation' WHERE kind = 'new_thread' AND topic LIKE 'e%'"
    )

    op.create_table(
        "overdue_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdue_digest")),
        sa.UniqueConstraint("key", "day", name="uq_overdue_digest_key_day"),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("overdue_digest")
    op.execute("UPDATE push_message SET kind = 'new_thread' WHERE kind = 'escalation'")
    # The messages of the other new kinds cannot be stored under the old rule.
    op.execute(f"DELETE FROM push_message WHERE NOT ({_kinds(OLD_KINDS)})")
    with op.batch_alter_table("push_message", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("ck_push_message_kind"), type_="check")
        batch.create_check_constraint("kind", _kinds(OLD_KINDS))
    with op.batch_alter_table("status_change", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("fk_status_change_duplicate_of_id_thread"), type_="foreignkey")
        batch.drop_column("duplicate_of_id")
    with op.batch_alter_table("thread", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_index("ix_thread_duplicate_of_id")
        batch.drop_constraint(op.f("fk_thread_duplicate_of_id_thread"), type_="foreignkey")
        batch.drop_column("duplicate_of_id")
