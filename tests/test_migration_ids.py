"""Migration 0012 keeps every row and id, gives each account its own session key, and from
then on no id is ever reissued (SQLite AUTOINCREMENT); the models say the same."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import Integer, text

from app import create_app
from app.extensions import db
from tests.databases import separate_database

# Internal ids of the search index (see migrations/versions/0012_sessions.py).
NOT_AUTOINCREMENT = {"search_entry"}

ROWS = (
    "INSERT INTO commune (id, slug, name, join_token, created_at) "
    "VALUES (1, 'xa-a', 'Xã A', 'token-a', CURRENT_TIMESTAMP)",
    *(
        "INSERT INTO account (id, display_name, is_admin, session_epoch, created_at) "
        f"VALUES ({n}, 'Người dân {n}', false, 0, CURRENT_TIMESTAMP)"
        for n in (1, 2, 3)
    ),
    "INSERT INTO membership (id, account_id, commune_id, role, created_at) "
    "VALUES (7, 2, 1, 'resident', CURRENT_TIMESTAMP)",
    "INSERT INTO thread (id, commune_id, author_id, kind, title, body, visibility, status, "
    "created_at) VALUES (5, 1, 2, 'report', 'Đèn', 'Đèn hỏng', 'public', 'new', "
    "CURRENT_TIMESTAMP)",
    "DELETE FROM account WHERE id = 3",
)


def test_upgrade_keeps_rows_and_never_reissues_ids(database_url, tmp_path):
    with separate_database(database_url, tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="0011_idempotency")
            with db.engine.begin() as conn:
                for statement in ROWS:
                    conn.execute(text(statement))
                if conn.dialect.name == "postgresql":
                    # As the app would have left it: the sequence has handed out 1 to 3.
                    conn.execute(text("SELECT setval(pg_get_serial_sequence('account', 'id'), 3)"))
            upgrade()
            with db.engine.begin() as conn:
                keys = conn.execute(text("SELECT id, session_key FROM account ORDER BY id")).all()
                assert [row.id for row in keys] == [1, 2]
                assert len({row.session_key for row in keys}) == 2
                assert all(len(row.session_key) == 64 for row in keys)
                # Rows that refer to a rebuilt table are still there, with their ids.
                assert conn.execute(text("SELECT id, account_id FROM membership")).all() == [(7, 2)]
                assert conn.execute(text("SELECT author_id FROM thread WHERE id = 5")).scalar() == 2
                conn.execute(text("DELETE FROM account WHERE id = 2"))
                # ON DELETE still works after the rebuild: the membership went with it.
                assert conn.execute(text("SELECT count(*) FROM membership")).scalar() == 0
                conn.execute(
                    text(
                        "INSERT INTO account (display_name, is_admin, session_epoch, session_key,"
                        " created_at) VALUES ('mới', false, 0, 'k', CURRENT_TIMESTAMP)"
                    )
                )
                new_id = conn.execute(text("SELECT max(id) FROM account")).scalar()
            assert new_id > 2  # SQLite without AUTOINCREMENT would hand out 2 again
            if url.startswith("sqlite"):
                _assert_autoincrement_everywhere()
            db.engine.dispose()


def _assert_autoincrement_everywhere() -> None:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        tables = {name: sql for name, sql in rows}
    for table in _integer_id_tables():
        assert "AUTOINCREMENT" in tables[table], table


def _integer_id_tables() -> list[str]:
    return [
        table.name
        for table in db.metadata.sorted_tables
        if [column.name for column in table.primary_key] == ["id"]
        and isinstance(table.c.id.type, Integer)
        and table.name not in NOT_AUTOINCREMENT
    ]


def test_every_model_with_an_integer_id_never_reuses_it(app):
    for name in _integer_id_tables():
        assert db.metadata.tables[name].dialect_options["sqlite"]["autoincrement"], name
