"""codes that sign a resident in on another browser: moving to a new phone, or a recovery code

Revision ID: 0015_transfer
Revises: 0013_open311_publication
Create Date: 2026-12-02 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_transfer"
down_revision = "0014_accountability"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('transfer', 'recovery')", name=op.f("ck_sign_in_code_kind")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_sign_in_code_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_sign_in_code_code_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_sign_in_code_account_id"), "sign_in_code", ["account_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_sign_in_code_account_id"), table_name="sign_in_code")
    op.drop_table("sign_in_code")
