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
def serving(
    command: list[str],
    *,
    log_path: Path,
    ready_url: str,
    name: str,
    env: dict[str, str] | None = None,
    timeout: float = 30,
) -> Iterator[subprocess.Popen]:
    """Start a server process, wait until ``ready_url`` answers (``timeout`` seconds at most),
    stop it at the end.

    Output goes to ``log_path``, which a failing test can show."""
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(ready_url, timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, f"{name} exited at start-up (see {log_path})"
                assert time.monotonic() < deadline, f"{name} did not start in {timeout:g} s"
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[str]:
    """Serve the app with the project's gunicorn.conf.py; yield its URL; stop it."""
    url = f"http://127.0.0.1:{port}"
    command = [
        str(VENV_BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "wsgi:app",
    ]
    log_path = Path(env["INSTANCE_PATH"]) / "gunicorn.log"
    with serving(command, log_path=log_path, ready_url=f"{url}/", name="gunicorn", env=env):
        yield url
