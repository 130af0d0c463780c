"""A backup taken while the service runs restores with every row."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, func, select

from app.extensions import db
from app.threads.models import Reply, Thread
from tests.databases import throwaway_postgres


def _fill(world) -> dict[str, int]:
    for n in range(5):
        thread_id = (
            world["resident_a"]
            .post(
                "/api/v1/communes/xa-a/threads",
                json={"kind": "question", "body": f"Câu hỏi số {n}", "visibility": "public"},
            )
            .get_json()["id"]
        )
        world["official_a"].post(f"/api/v1/threads/{thread_id}/replies", json={"body": "Đã rõ"})
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_backup_restores_every_row(app, world, tmp_path):
    before = _fill(world)
    assert before["thread"] == 5 and before["reply"] == 5
    target = tmp_path / "not-yet-made" / "backup.db"  # the folder is made, on both databases
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    if db.engine.dialect.name == "sqlite":
        assert _counts(f"sqlite:///{target}") == before
        return
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    with throwaway_postgres() as url:
        subprocess.run(["pg_restore", "--no-owner", "-d", url, str(target)], check=True)
        assert _counts(url.replace("postgresql://", "postgresql+psycopg://")) == before
    bodies = db.session.scalars(select(Reply.body)).all()
    assert bodies == ["Đã rõ"] * 5
    assert db.session.scalar(select(func.count(Thread.id))) == 5
