"""a commune chooses whether Open311 publishes its public reports (on by default)

Revision ID: 0013_open311_publication
Revises: 0012_sessions
Create Date: 2026-12-02 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0013_open311_publication"
down_revision = "0012_sessions"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade():
    # Existing communes keep publishing, as they did before the setting existed.
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(
            sa.Column("open311_public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_column("open311_public")
