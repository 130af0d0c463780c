"""an admin's area: a province, or a district of it (none: national)

Revision ID: 0009_admin_scope
Revises: 0008_second_factor
Create Date: 2026-11-21 14:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009_admin_scope"
down_revision = "0008_second_factor"
branch_labels = None
depends_on = None


def upgrade():
    # Existing admins keep what they had: every commune (both columns empty).
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("admin_province", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("admin_district", sa.String(length=120), nullable=True))
        batch.create_check_constraint(
            "admin_district_needs_province",
            "admin_district IS NULL OR admin_province IS NOT NULL",
        )


def downgrade():
    with op.batch_alter_table("account") as batch:
        batch.drop_constraint(op.f("ck_account_admin_district_needs_province"), type_="check")
        batch.drop_column("admin_district")
        batch.drop_column("admin_province")
