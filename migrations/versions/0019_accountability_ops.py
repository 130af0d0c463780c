"""accountability, the officials' side: a thread closed as a duplicate of another (and the
closing in its history), notifications of their own kinds

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
NEW_KINDS = (*OLD_KINDS, "duplicate", "overdue")


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


def downgrade():
    # The messages of the new kinds cannot be stored under the old rule.
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
