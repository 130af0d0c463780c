"""Configuration order and the refusal to run in production without a strong secret."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError


def _production(monkeypatch, tmp_path, **env: str) -> None:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for name in ("SECRET_KEY", "DATABASE_URL", "BASE_URL", "FEEDBACK_ENV_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("secret", [None, "dev", "short-secret"])
def test_production_refuses_weak_secret(monkeypatch, tmp_path, secret):
    _production(monkeypatch, tmp_path, **({"SECRET_KEY": secret} if secret else {}))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_environment_overrides_instance_file(monkeypatch, tmp_path):
    (tmp_path / "config.py").write_text(
        "BASE_URL = 'https://from-file.example'\nPAGE_SIZE = 7\n", encoding="utf-8"
    )
    _production(
        monkeypatch,
        tmp_path,
        SECRET_KEY="x" * 40,
        BASE_URL="https://gop-y.example.vn/",
        DATABASE_URL="postgres://postgres@127.0.0.1/db",
        FEEDBACK_PAGE_SIZE="50",
    )
    app = create_app()
    assert app.config["BASE_URL"] == "https://gop-y.example.vn"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PAGE_SIZE"] == 50
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1/db"


def test_default_database_is_sqlite_in_instance(monkeypatch, tmp_path):
    _production(monkeypatch, tmp_path, SECRET_KEY="y" * 40)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_bad_base_url_is_refused(monkeypatch, tmp_path):
    _production(monkeypatch, tmp_path, SECRET_KEY="z" * 40, BASE_URL="gop-y.example.vn")
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app()


def test_bad_working_hours_are_refused(monkeypatch, tmp_path):
    """Issue 14: deadlines cannot be counted in office hours that make no sense."""
    _production(
        monkeypatch, tmp_path, SECRET_KEY="z" * 40, FEEDBACK_WORKING_HOURS='["13:30-11:30"]'
    )
    with pytest.raises(ConfigError, match="WORKING_HOURS"):
        create_app()


def test_working_hours_from_the_environment(monkeypatch, tmp_path):
    _production(
        monkeypatch,
        tmp_path,
        SECRET_KEY="z" * 40,
        FEEDBACK_WORKING_HOURS='["07:00-11:00", "13:00-17:00"]',
        FEEDBACK_WORKING_DAYS="[1, 2, 3, 4, 5, 6]",
    )
    app = create_app()
    assert app.config["WORKING_HOURS"] == ["07:00-11:00", "13:00-17:00"]
    assert app.config["WORKING_DAYS"] == [1, 2, 3, 4, 5, 6]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
