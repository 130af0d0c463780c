"""The systemd units in deploy/ parse, name real commands, and read the settings file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.server.helpers import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))
CONTRACT_SETTINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "BASE_URL",
    "VAPID_SUBJECT",
    "FORWARDED_ALLOW_IPS",
)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_units_verify(tmp_path: Path):
    # The units as installed, but pointing at this checkout, whose .venv has the commands.
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/srv/commune-feedback", str(ROOT))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_each_long_running_unit_restarts_as_its_own_user_with_the_settings_file():
    for name in ("commune-feedback.service", "commune-feedback-push.service"):
        lines = set((DEPLOY / name).read_text().splitlines())
        assert {
            "User=commune-feedback",
            "EnvironmentFile=/etc/commune-feedback/env",
            "Restart=on-failure",
            "ProtectSystem=strict",
        } <= lines, name


def test_the_settings_file_names_every_contract_setting():
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert set(CONTRACT_SETTINGS) <= names
