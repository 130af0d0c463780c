"""VAPID_SUBJECT: read from the environment, refused on placeholder domains, BASE_URL in its
place behind https, a stand-in (and one warning) for the local demo."""

from __future__ import annotations

import logging
import subprocess

import pytest

from app import create_app
from app.push.subject import DEMO_SUBJECT, VapidSubjectError, vapid_subject
from app.push.worker import PushWorker
from tests.push.test_worker_processes import start_worker

PLACEHOLDERS = [
    "mailto:admin@commune-feedback.invalid",
    "mailto:ops@server.local",
    "mailto:ops@feedback.test",
    "mailto:ops@xa-a.example",
    "mailto:root@localhost",
    "mailto:it@example.com",
    "mailto:it@mail.example.org",
    "https://example.net/contact",
    "https://localhost:8443",
    "https://127.0.0.1",
]


@pytest.fixture
def config(app, monkeypatch):
    """The test app's configuration, restored after the test."""

    def set_config(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.extensions, "vapid_subject_warned", False)

    return set_config


@pytest.mark.parametrize("subject", PLACEHOLDERS)
def test_a_placeholder_subject_is_refused_by_name(app, config, subject):
    config(VAPID_SUBJECT=subject)
    with pytest.raises(VapidSubjectError, match="VAPID_SUBJECT"):
        vapid_subject(app)
    with pytest.raises(VapidSubjectError):
        PushWorker(app)


@pytest.mark.parametrize("subject", ["admin@xa-a.vn", "http://xa-a.vn", "mailto:", "xa-a"])
def test_a_subject_that_is_not_mailto_or_https_is_refused(app, config, subject):
    config(VAPID_SUBJECT=subject)
    with pytest.raises(VapidSubjectError, match="VAPID_SUBJECT"):
        vapid_subject(app)


@pytest.mark.parametrize("subject", ["mailto:it@xa-a.gov.vn", "https://gop-y.xa-a.vn/lien-he"])
def test_a_real_subject_is_used_as_given(app, config, subject):
    config(VAPID_SUBJECT=subject, BASE_URL="http://127.0.0.1:8000")
    assert vapid_subject(app) == subject


def test_without_a_subject_an_https_base_url_stands_in(app, config):
    config(VAPID_SUBJECT=None, BASE_URL="https://gop-y.xa-a.vn")
    assert vapid_subject(app) == "https://gop-y.xa-a.vn"
    config(VAPID_SUBJECT=None, BASE_URL="https://gop-y.feedback.test")
    with pytest.raises(VapidSubjectError, match="VAPID_SUBJECT"):
        vapid_subject(app)


def test_the_local_demo_runs_and_warns_once(app, config, caplog):
    config(VAPID_SUBJECT=None, BASE_URL="http://127.0.0.1:8000")
    with caplog.at_level(logging.WARNING, logger="app.push.subject"):
        assert vapid_subject(app) == DEMO_SUBJECT
        PushWorker(app)
        PushWorker(app)
    assert [r.message.count("VAPID_SUBJECT") > 0 for r in caplog.records] == [True]


def test_the_subject_signs_every_message(app, config, world, device, deliver, push_service):
    config(VAPID_SUBJECT="mailto:it@xa-a.gov.vn")
    device(world["resident_a"])
    world["official_a"].post(
        "/api/v1/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân."}
    )
    deliver()
    [message] = push_service.messages
    assert message.subject == "mailto:it@xa-a.gov.vn"


def test_the_environment_variable_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:it@xa-a.gov.vn")
    assert create_app().config["VAPID_SUBJECT"] == "mailto:it@xa-a.gov.vn"


@pytest.mark.slow
def test_flask_push_worker_exits_at_start_on_a_placeholder(app, world):
    worker = start_worker(app, "--once", VAPID_SUBJECT="mailto:admin@commune-feedback.invalid")
    try:
        _out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode != 0
    assert "VAPID_SUBJECT" in err


@pytest.mark.slow
def test_flask_push_worker_runs_in_the_local_demo(app, world):
    worker = start_worker(app, "--once")
    try:
        _out, err = worker.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise
    assert worker.returncode == 0, err
    assert err.count("VAPID_SUBJECT is not set") == 1
