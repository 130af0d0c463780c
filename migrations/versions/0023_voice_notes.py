"""voice notes on threads and replies (issue 16)

Revision ID: 0023_voice_notes
Revises: 0018_province_code
Create Date: 2026-12-03 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023_voice_notes"
down_revision = "0018_province_code"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade():
    for table in ("thread", "reply"):
        with op.batch_alter_table(table, table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
            batch.add_column(sa.Column("voice_name", sa.String(length=64), nullable=True))
            batch.add_column(sa.Column("voice_mime", sa.String(length=16), nullable=True))
            batch.add_column(sa.Column("voice_duration_ms", sa.Integer(), nullable=True))
            batch.create_unique_constraint(f"uq_{table}_voice_name", ["voice_name"])


def downgrade():
    for table in ("thread", "reply"):
        with op.batch_alter_table(table, table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
            batch.drop_constraint(f"uq_{table}_voice_name", type_="unique")
            batch.drop_column("voice_duration_ms")
            batch.drop_column("voice_mime")
            batch.drop_column("voice_name")
