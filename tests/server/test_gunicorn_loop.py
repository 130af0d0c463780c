"""The real server: migrations, CLI commands and gunicorn, walked over HTTP."""

from __future__ import annotations

import pytest
import requests

from tests.databases import postgres_for_test
from tests.server.helpers import flask_cli, free_port, gunicorn, server_env

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'feedback.sqlite3'}"
        return
    with postgres_for_test() as url:
        yield url


def test_loop_over_http(tmp_path, fresh_database):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(tmp_path / "instance", fresh_database, base_url)

    flask_cli(env, "db", "upgrade")
    join_url = flask_cli(env, "communes", "create", "xa-a", "--name", "Xã A").strip()
    assert join_url.startswith(f"{base_url}/j/")
    flask_cli(
        env,
        "users",
        "create",
        "canbo@example.vn",
        "--role",
        "official",
        "--commune",
        "xa-a",
        "--password-stdin",
        stdin="mật khẩu thật dài\n",
    )

    with gunicorn(env, port) as url:
        origin = {"Origin": url}
        # The resident scans the board: the join page names the commune.
        resident = requests.Session()
        page = resident.get(join_url, timeout=10)
        assert page.status_code == 200 and "Xã A" in page.text

        token = join_url.rsplit("/", 1)[1]
        joined = resident.post(
            f"{url}/api/v1/join", json={"token": token}, headers=origin, timeout=10
        )
        assert joined.status_code == 201
        cookie = joined.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie

        asked = resident.post(
            f"{url}/api/v1/communes/xa-a/threads",
            json={"kind": "question", "body": "Tin này có đúng không?", "visibility": "public"},
            headers=origin,
            timeout=10,
        )
        assert asked.status_code == 201
        thread_id = asked.json()["id"]

        official = requests.Session()
        signed_in = official.post(
            f"{url}/api/v1/auth/login",
            json={"email": "canbo@example.vn", "password": "mật khẩu thật dài"},
            headers=origin,
            timeout=10,
        )
        assert signed_in.status_code == 200
        assert signed_in.json()["user"]["role"] == "official"
        reply = official.post(
            f"{url}/api/v1/threads/{thread_id}/replies",
            json={"body": "Tin này không đúng."},
            headers=origin,
            timeout=10,
        )
        assert reply.status_code == 201
        moved = official.patch(
            f"{url}/api/v1/threads/{thread_id}",
            json={"status": "resolved", "note": "Đã trả lời."},
            headers=origin,
            timeout=10,
        )
        assert moved.status_code == 200

        seen = resident.get(f"{url}/api/v1/threads/{thread_id}", timeout=10).json()
        assert seen["status"] == "resolved"
        assert seen["replies"][0]["author"]["role"] == "official"
        board = official.get(f"{url}/communes/xa-a/board.png", timeout=10)
        assert board.status_code == 200 and board.content.startswith(b"\x89PNG")
