"""placeholder: filled in by the change that needs it

Revision ID: 0013_open311_publication
Revises: 0012_sessions
Create Date: 2026-12-02 01:00:00

"""

revision = "0013_open311_publication"
down_revision = "0012_sessions"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
