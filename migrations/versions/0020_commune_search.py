"""a commune's name folded for search (lower case, no diacritics, đ→d): admins find a commune
among thousands by typing without Vietnamese input, on SQLite and PostgreSQL alike

Revision ID: 0020_commune_search
Revises: 0021_two_tier_map
Create Date: 2026-12-03 12:10:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0020_commune_search"
down_revision = "0021_two_tier_map"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def _fold(text):
    """app.communes.search.fold as of this revision (a migration never imports the app)."""
    text = (text or "").replace("đ", "d").replace("Đ", "d")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.split(r"[^0-9a-z]+", bare.lower())).strip()


def upgrade():
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(
            sa.Column("search_name", sa.String(length=200), nullable=False, server_default="")
        )
    commune = sa.table(
        "commune", sa.column("id", sa.Integer), sa.column("name"), sa.column("search_name")
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(commune.c.id, commune.c.name)).all():
        connection.execute(
            commune.update().where(commune.c.id == row.id).values(search_name=_fold(row.name))
        )
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.create_index("ix_commune_search_name", ["search_name"])


def downgrade():
    with op.batch_alter_table("commune", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_index("ix_commune_search_name")
        batch.drop_column("search_name")
