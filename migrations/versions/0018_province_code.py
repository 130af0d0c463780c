"""a commune's province by its official two-digit code (the 2025 list: 34 provinces)

Revision ID: 0018_province_code
Revises: 0017_password_reset
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0018_province_code"
down_revision = "0017_password_reset"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade():
    # Existing communes have no code yet: `communes import-official` fills it from the list.
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
        batch.create_index("ix_commune_province_code", ["province_code"])


def downgrade():
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_index("ix_commune_province_code")
        batch.drop_column("province_code")
