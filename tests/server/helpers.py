"""Running the real product in subprocesses: the CLI and gunicorn on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(instance: Path, database_url: str, base_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK_")}
    env.update(
        INSTANCE_PATH=str(instance),
        DATABASE_URL=database_url,
        BASE_URL=base_url,
        SECRET_KEY="a-test-secret-that-is-long-enough-for-production-0123456789",
    )
    return env


def flask_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run ``flask --app wsgi ARGS`` and return its output; fail the test on an error."""
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[str]:
    """Serve the app with the project's gunicorn.conf.py; yield its URL; stop it."""
    log = open(Path(env["INSTANCE_PATH"]) / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, "gunicorn exited at start-up"
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
