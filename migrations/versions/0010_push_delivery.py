"""placeholder: filled in by the change that needs it

Revision ID: 0010_push_delivery
Revises: 0009_admin_scope
Create Date: 2026-12-02 01:00:00

"""

revision = "0010_push_delivery"
down_revision = "0009_admin_scope"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
