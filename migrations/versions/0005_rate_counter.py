"""rate limit counters shared by every process

Revision ID: 0005_rate_counter
Revises: 0004_workspace_foundations
Create Date: 2026-11-21 11:36:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0005_rate_counter"
down_revision = "0004_workspace_foundations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_counter",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counter")),
    )


def downgrade():
    op.drop_table("rate_counter")
