"""push delivery: urgent announcements, retired subscriptions, declarative payloads

Revision ID: 0010_push_delivery
Revises: 0009_admin_scope
Create Date: 2026-12-02 01:00:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_push_delivery"
down_revision = "0009_admin_scope"
branch_labels = None
depends_on = None

messages = sa.table(
    "push_message", sa.column("id", sa.Integer), sa.column("payload", sa.Text)
)


def upgrade():
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(
            sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("push_subscription") as batch:
        batch.add_column(
            sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.String(length=200), nullable=True))
    _rewrite_payloads()


def _rewrite_payloads():
    """Messages queued before this version (``{title, body, url, tag, id}``) become the
    declarative messages the new service worker reads."""
    connection = op.get_bind()
    for message_id, payload in connection.execute(sa.select(messages.c.id, messages.c.payload)):
        old = json.loads(payload)
        if "web_push" in old:
            continue
        notification = {
            "title": old.get("title", ""),
            "body": old.get("body", ""),
            "navigate": old.get("url", ""),
            "lang": "vi",
            "tag": old.get("tag", ""),
            "data": {"id": old.get("id", "")},
        }
        new = {"web_push": 8030, "notification": notification, "mutable": True}
        connection.execute(
            messages.update()
            .where(messages.c.id == message_id)
            .values(payload=json.dumps(new, ensure_ascii=False, separators=(",", ":")))
        )


def downgrade():
    # Payloads stay declarative: an older service worker shows its generic words for them.
    with op.batch_alter_table("push_subscription") as batch:
        batch.drop_column("retired_reason")
        batch.drop_column("retired_at")
        batch.drop_column("failures")
    with op.batch_alter_table("announcement") as batch:
        batch.drop_column("urgent")
