"""placeholder: filled in by the change that needs it

Revision ID: 0012_sessions
Revises: 0011_idempotency
Create Date: 2026-12-02 01:00:00

"""

revision = "0012_sessions"
down_revision = "0011_idempotency"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
