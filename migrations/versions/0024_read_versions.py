"""a commune's read version: raised in the same transaction as any change a reader of its feed
may see, so a feed's ETag (and a cached answer) is checked with one column

Revision ID: 0024_read_versions
Revises: 0020_commune_search
Create Date: 2026-12-03 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0024_read_versions"
down_revision = "0020_commune_search"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade():
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(
            sa.Column("read_version", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_column("read_version")
