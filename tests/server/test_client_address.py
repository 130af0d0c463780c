"""Behind a proxy on 127.0.0.1, real gunicorn: budgets and access-log lines per client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.server.helpers import flask_cli, free_port, gunicorn, server_env
from tests.server.test_gunicorn_loop import fresh_database  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow


def test_each_client_behind_the_proxy_has_its_own_budget_and_log_line(
    tmp_path,
    fresh_database,  # noqa: F811
):
    port = free_port()
    env = server_env(tmp_path / "instance", fresh_database, f"http://127.0.0.1:{port}")
    env["FEEDBACK_RATE_LIMITS"] = json.dumps({"join-ip": [2, 3600]})
    flask_cli(env, "db", "upgrade")
    token = flask_cli(env, "communes", "create", "xa-a", "--name", "Xã A").strip()
    token = token.rsplit("/", 1)[1]

    with gunicorn(env, port) as url:

        def join(address: str) -> int:
            # What a reverse proxy on this host sends: the client's address, the scheme.
            headers = {"Origin": url, "X-Forwarded-For": address, "X-Forwarded-Proto": "http"}
            answer = requests.post(
                f"{url}/api/v1/join", json={"token": token}, headers=headers, timeout=10
            )
            return answer.status_code

        assert [join("192.0.2.10") for _ in range(3)] == [201, 201, 429]
        assert [join("192.0.2.11") for _ in range(2)] == [201, 201]

    log = (Path(env["INSTANCE_PATH"]) / "gunicorn.log").read_text(encoding="utf-8")
    joins = [line for line in log.splitlines() if "/api/v1/join" in line]
    assert [line.split()[0] for line in joins] == ["192.0.2.10"] * 3 + ["192.0.2.11"] * 2
