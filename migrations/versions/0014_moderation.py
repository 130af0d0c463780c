"""placeholder: filled in by the change that needs it

Revision ID: 0014_moderation
Revises: 0013_open311_publication
Create Date: 2026-12-02 01:00:00

"""

revision = "0014_moderation"
down_revision = "0013_open311_publication"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
