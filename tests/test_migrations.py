"""The committed migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine

from app import create_app
from app.extensions import db
from app.threads.models import include_name


def test_migrations_match_models(database_url, tmp_path):
    # A separate database from the one create_all() built for the other tests.
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        _check(url)
    else:
        from tests.databases import throwaway_postgres

        with throwaway_postgres() as url:
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
