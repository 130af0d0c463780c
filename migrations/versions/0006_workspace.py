"""workspace: search index, canned replies, internal notes, unread markers, followers, flags

Revision ID: 0006_workspace
Revises: 0005_rate_counter
Create Date: 2026-11-21 12:00:00

Besides the tables, search needs DDL that is not a model (the same statements as
app/workspace/models.py SEARCH_DDL): on SQLite an FTS5 virtual table over search_entry.body with
triggers that keep it in step; on PostgreSQL a GIN index on to_tsvector('simple', body). Existing
threads and replies are indexed (folded: lowercase, no diacritics, đ -> d).
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_workspace'
down_revision = '0005_rate_counter'
branch_labels = None
depends_on = None

SEARCH_DDL = {
    "sqlite": (
        "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_entry', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
        "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
        "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
        "CREATE TRIGGER search_entry_au AFTER UPDATE OF body ON search_entry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
        "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
    ),
    "postgresql": (
        "CREATE INDEX ix_search_entry_body_tsv ON search_entry "
        "USING gin (to_tsvector('simple', body))",
    ),
}
SEARCH_DROP_DDL = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS search_entry_au",
        "DROP TRIGGER IF EXISTS search_entry_ad",
        "DROP TRIGGER IF EXISTS search_entry_ai",
        "DROP TABLE IF EXISTS search_fts",
    ),
    "postgresql": ("DROP INDEX IF EXISTS ix_search_entry_body_tsv",),
}


def _fold(text):
    """As app.workspace.search.fold (copied: a migration must not change with the app)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def _index_existing(bind):
    entries = sa.table(
        "search_entry",
        sa.column("commune_id", sa.Integer),
        sa.column("thread_id", sa.Integer),
        sa.column("reply_id", sa.Integer),
        sa.column("body", sa.Text),
        sa.column("hidden", sa.Boolean),
    )
    rows = []
    threads = bind.execute(
        sa.text("SELECT id, commune_id, title, body, hidden_at FROM thread ORDER BY id")
    )
    for thread_id, commune_id, title, body, hidden_at in threads:
        rows.append(
            {"commune_id": commune_id, "thread_id": thread_id, "reply_id": None,
             "body": _fold(f"{title}\n{body}"), "hidden": hidden_at is not None}
        )
    replies = bind.execute(
        sa.text(
            "SELECT reply.id, thread.commune_id, reply.thread_id, reply.body, reply.hidden_at "
            "FROM reply JOIN thread ON thread.id = reply.thread_id ORDER BY reply.id"
        )
    )
    for reply_id, commune_id, thread_id, body, hidden_at in replies:
        rows.append(
            {"commune_id": commune_id, "thread_id": thread_id, "reply_id": reply_id,
             "body": _fold(body), "hidden": hidden_at is not None}
        )
    for start in range(0, len(rows), 1000):
        bind.execute(entries.insert(), rows[start:start + 1000])


def upgrade():
    op.create_table('canned_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], name=op.f('fk_canned_reply_author_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_canned_reply_commune_id_commune'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_reply'))
    )
    with op.batch_alter_table('canned_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_reply_commune_id'), ['commune_id'], unique=False)

    op.create_table('thread_follower',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_thread_follower_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_thread_follower_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_follower')),
    sa.UniqueConstraint('thread_id', 'account_id', name='uq_thread_follower_thread_account')
    )
    with op.batch_alter_table('thread_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_follower_account_id'), ['account_id'], unique=False)

    op.create_table('thread_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], name=op.f('fk_thread_note_author_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_thread_note_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_note'))
    )
    with op.batch_alter_table('thread_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_note_thread_id'), ['thread_id'], unique=False)

    op.create_table('thread_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_thread_read_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_thread_read_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_read')),
    sa.UniqueConstraint('account_id', 'thread_id', name='uq_thread_read_account')
    )
    with op.batch_alter_table('thread_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_read_thread_id'), ['thread_id'], unique=False)

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("target_type IN ('thread', 'reply')", name=op.f('ck_flag_target_type')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_flag_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_flag_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_flag_reply_id_reply'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_flag_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag')),
    sa.UniqueConstraint('target_type', 'target_id', 'account_id', name='uq_flag_target_account')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_flag_commune_id_reviewed_at', ['commune_id', 'reviewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_reply_id'), ['reply_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_thread_id'), ['thread_id'], unique=False)

    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_search_entry_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_search_entry_reply_id_reply'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_search_entry_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    sa.UniqueConstraint('reply_id', name=op.f('uq_search_entry_reply_id'))
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entry_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entry_thread_id'), ['thread_id'], unique=False)

    bind = op.get_bind()
    for statement in SEARCH_DDL.get(bind.dialect.name, ()):
        op.execute(statement)
    _index_existing(bind)


def downgrade():
    bind = op.get_bind()
    for statement in SEARCH_DROP_DDL.get(bind.dialect.name, ()):
        op.execute(statement)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_thread_id'))
        batch_op.drop_index(batch_op.f('ix_search_entry_commune_id'))

    op.drop_table('search_entry')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_thread_id'))
        batch_op.drop_index(batch_op.f('ix_flag_reply_id'))
        batch_op.drop_index('ix_flag_commune_id_reviewed_at')
        batch_op.drop_index(batch_op.f('ix_flag_account_id'))

    op.drop_table('flag')
    with op.batch_alter_table('thread_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_read_thread_id'))

    op.drop_table('thread_read')
    with op.batch_alter_table('thread_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_note_thread_id'))

    op.drop_table('thread_note')
    with op.batch_alter_table('thread_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_follower_account_id'))

    op.drop_table('thread_follower')
    with op.batch_alter_table('canned_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canned_reply_commune_id'))

    op.drop_table('canned_reply')
