"""placeholder: filled in by the change that needs it

Revision ID: 0011_idempotency
Revises: 0010_push_delivery
Create Date: 2026-12-02 01:00:00

"""

revision = "0011_idempotency"
down_revision = "0010_push_delivery"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
