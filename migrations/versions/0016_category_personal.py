"""a category may say its matters are personal: new questions in it default to officials only

Revision ID: 0016_category_personal
Revises: 0013_open311_publication
Create Date: 2026-12-02 18:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0016_category_personal"
down_revision = "0015_transfer"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def upgrade():
    # Existing categories are not personal: questions in them stay public by default, as before.
    with op.batch_alter_table("category", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(
            sa.Column("personal", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("category", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_column("personal")
