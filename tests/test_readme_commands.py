"""The README's everyday commands, read from README.md and run from a plain shell in a fresh
copy of the checkout, on SQLite and PostgreSQL; and ``bin/run`` meeting a busy port."""

from __future__ import annotations

import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.databases import postgres_for_test
from tests.server.helpers import ROOT, free_port

# Left out of the run, and why.
LEFT_OUT = {
    # Rewrites the tracked catalogues in place: there is nothing to check but a diff.
    "bin/translations": "changes tracked files",
    # The test suite itself, run from inside a test: minutes of CPU for nothing new.
    "bin/test": "runs the test suite",
}
# Commands that serve until stopped: started, checked, then stopped.
SERVERS = ("gunicorn", "push worker")


def readme_commands() -> list[str]:
    """The fenced block under "## Everyday commands", one command per entry (continuation
    lines joined)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Everyday commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README.md: no sh block under Everyday commands"
    commands = block.group(1).replace("\\\n", " ").splitlines()
    return [line.strip() for line in commands if line.strip()]


def fresh_copy(target: Path) -> Path:
    """The checkout's files as git knows them (committed or not), without instance/ or .venv,
    which is linked (installing it again would take minutes)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(source.read_bytes())
        destination.chmod(source.stat().st_mode)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def plain_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """What a plain login shell has: no SECRET_KEY, no INSTANCE_PATH, no FEEDBACK_*."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
    }
    if request.param == "sqlite":
        yield env
        return
    with postgres_for_test() as url:
        yield {**env, "DATABASE_URL": url}


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def check_server(command: str, cwd: Path, env: dict[str, str]) -> None:
    """Start a serving command, see it answer (gunicorn) or stay up (the worker), stop it."""
    port = free_port()
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=cwd,
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        if "gunicorn" in command:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, f"{command} exited at start-up"
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    assert time.monotonic() < deadline, f"{command} never answered"
                    time.sleep(0.2)
            assert response.status_code < 500
        else:
            time.sleep(3)
            assert process.poll() is None, f"{command} stopped by itself"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "Traceback" not in output, output


def test_the_everyday_commands_run_from_a_plain_shell(plain_env, tmp_path):
    checkout = fresh_copy(tmp_path / "checkout")
    backups = tmp_path / "backups"  # made by `flask backup` itself, on both databases
    (checkout / "communes.csv").write_text(
        "code,name,district,province\n30001,Xã B,Tri Tôn,An Giang\n", encoding="utf-8"
    )
    ran = []
    for command in readme_commands():
        words = shlex.split(command, comments=True)
        if any(" ".join(words).startswith(prefix) for prefix in LEFT_OUT):
            continue
        # The backup goes to the test's folder, not the machine's /var/backups.
        command = command.replace("/var/backups/", f"{backups}/")
        if any(server in command for server in SERVERS):
            check_server(command, checkout, plain_env)
        else:
            result = run(command, checkout, plain_env)
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        ran.append(words[0] if words[0] != "echo" else words[words.index("|") + 1])
    assert (backups / "feedback.db").stat().st_size > 0
    assert (checkout / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    assert len(ran) >= 9
    # An explicit SECRET_KEY still wins over the file, and a weak one is still refused.
    weak = run(".venv/bin/flask --app wsgi db upgrade", checkout, {**plain_env, "SECRET_KEY": "x"})
    assert weak.returncode != 0 and "SECRET_KEY must be set" in weak.stderr


def test_no_secret_at_all_is_a_clear_refusal(tmp_path):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path)}
    result = run(f"{ROOT}/.venv/bin/flask --app wsgi db upgrade", ROOT, env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert str(tmp_path / "secret_key") in result.stderr


def test_bin_run_on_a_busy_port_says_so_once(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PORT": str(port),
        }
        result = run(f"{ROOT}/bin/run", ROOT, env)
    assert result.returncode == 1
    assert result.stderr.count(f"port {port} on 127.0.0.1 is already in use") == 1
    assert "Traceback" not in result.stderr + result.stdout
    # Nothing was touched before the refusal.
    assert not (tmp_path / "instance").exists()


def test_bin_run_makes_the_demo_once_and_demo_0_skips_it(plain_env, tmp_path):
    instance = tmp_path / "instance"
    env = {**plain_env, "INSTANCE_PATH": str(instance)}
    skipped = run(f"DEMO=0 {ROOT}/bin/run --prepare", ROOT, env)
    assert skipped.returncode == 0, skipped.stderr
    assert "No demo commune (DEMO=0)" in skipped.stdout
    assert not (instance / "demo_accounts.txt").exists()

    first = run(f"{ROOT}/bin/run --prepare", ROOT, env)
    assert first.returncode == 0, first.stderr
    kept = (instance / "demo_accounts.txt").read_text(encoding="utf-8").splitlines()
    passwords = [line.split(" ", 1)[1] for line in kept]
    assert len(set(passwords)) == 2
    assert all(password in first.stdout for password in passwords)

    again = run(f"{ROOT}/bin/run --prepare", ROOT, env)
    assert again.returncode == 0, again.stderr
    assert "made before" in again.stdout and str(instance / "demo_accounts.txt") in again.stdout
    assert not any(password in again.stdout for password in passwords)
