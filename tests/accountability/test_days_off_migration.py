"""Migration 0019 re-keys a province's days off from its name to its two-digit code, keeping
every row it can map (by the communes' codes, else the 2025 list) and refusing to drop any."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.databases import separate_database

INSERT_COMMUNE = (
    "INSERT INTO commune (slug, name, province, province_code, join_token, open311_public,"
    " created_at) VALUES (:slug, :name, :province, :code, :token, true, CURRENT_TIMESTAMP)"
)
INSERT_DAY_OFF = (
    "INSERT INTO day_off (province, day, name, created_at)"
    " VALUES (:province, :day, :name, CURRENT_TIMESTAMP)"
)


def _at_0018(url: str):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0018_province_code")
        db.engine.dispose()
    return app


def _run(url: str, *statements: tuple[str, dict]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement, values in statements:
            conn.execute(text(statement), values)
    engine.dispose()


def _rows(url: str, query: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text(query))]
    engine.dispose()
    return rows


def test_days_off_keep_their_rows_under_the_province_code(database_url, tmp_path):
    with separate_database(database_url, tmp_path) as url:
        app = _at_0018(url)
        _run(
            url,
            (
                INSERT_COMMUNE,
                {"slug": "a", "name": "A", "province": "Kiên Giang", "code": "91", "token": "t1"},
            ),
            (INSERT_DAY_OFF, {"province": "Kiên Giang", "day": "2026-12-14", "name": "Bão"}),
            (INSERT_DAY_OFF, {"province": "Kiên Giang", "day": "2026-12-15", "name": "Bão"}),
            # Not carried by any commune: the 2025 list's "Thành phố Cần Thơ" is "92".
            (INSERT_DAY_OFF, {"province": "cần thơ", "day": "2026-12-14", "name": "Lễ hội"}),
            # "An Giang" is 91 too (Kiên Giang merged into it in 2025): one row per day stays.
            (INSERT_DAY_OFF, {"province": "An Giang", "day": "2026-12-14", "name": "Trùng"}),
        )
        with app.app_context():
            upgrade()
            db.engine.dispose()
        rows = _rows(
            url, "SELECT province_code, day, name FROM day_off ORDER BY province_code, day"
        )
        assert [(code, str(day), name) for code, day, name in rows] == [
            ("91", "2026-12-14", "Bão"),
            ("91", "2026-12-15", "Bão"),
            ("92", "2026-12-14", "Lễ hội"),
        ]
        with app.app_context():
            downgrade(revision="0018_province_code")
            db.engine.dispose()
        names = _rows(url, "SELECT DISTINCT province FROM day_off ORDER BY province")
        assert names == [("Kiên Giang",), ("Thành phố Cần Thơ",)]


def test_a_province_name_that_maps_to_no_code_stops_the_upgrade(database_url, tmp_path):
    with separate_database(database_url, tmp_path) as url:
        app = _at_0018(url)
        _run(
            url, (INSERT_DAY_OFF, {"province": "Xứ Sở Thần Tiên", "day": "2026-12-14", "name": "?"})
        )
        # flask-migrate logs the error (with the names) and exits.
        with app.app_context(), pytest.raises(SystemExit):
            upgrade()
        with app.app_context():
            db.engine.dispose()
        assert _rows(url, "SELECT province FROM day_off") == [("Xứ Sở Thần Tiên",)]
        assert _rows(url, "SELECT version_num FROM alembic_version") == [("0018_province_code",)]
        # Fixed (the row deleted), the upgrade goes through.
        _run(url, ("DELETE FROM day_off", {}))
        with app.app_context():
            upgrade()
            db.engine.dispose()
