"""one-time password reset links an admin issues to a staff member

Revision ID: 0017_password_reset
Revises: 0013_open311_publication
Create Date: 2026-12-02 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_password_reset"
down_revision = "0016_category_personal"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_password_reset_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["account.id"],
            name=op.f("fk_password_reset_issued_by_id_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_password_reset_account_id"), "password_reset", ["account_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_password_reset_account_id"), table_name="password_reset")
    op.drop_table("password_reset")
