"""The committed migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine

from app import create_app
from app.extensions import db
from app.threads.models import include_name
from tests.databases import separate_database


def test_migrations_match_models(database_url, tmp_path):
    with separate_database(database_url, tmp_path) as url:
        _check(url)


def _check(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        engine = create_engine(db.engine.url)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_name": include_name}), db.metadata
            )
        engine.dispose()
        assert diff == [], diff
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()
