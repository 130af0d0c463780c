"""Fixtures for push tests: the push service double, subscribed devices, a worker run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.push.keys import vapid_key
from app.push.worker import PushWorker
from tests.push.double import PushServiceDouble


@pytest.fixture
def push_service(app: Flask) -> Iterator[PushServiceDouble]:
    """A strict push service on 127.0.0.1 that only accepts our VAPID key."""
    with PushServiceDouble(vapid_public_key=vapid_key(app).application_server_key) as double:
        yield double


@pytest.fixture
def device(push_service: PushServiceDouble) -> Callable[[FlaskClient], dict[str, Any]]:
    """Subscribe a new browser of the client's account; returns the subscription JSON."""

    def subscribe(client: FlaskClient) -> dict[str, Any]:
        subscription = push_service.new_subscription()
        response = client.post("/api/v1/push/subscriptions", json=subscription)
        assert response.status_code == 201, response.get_json()
        return subscription

    return subscribe


@pytest.fixture
def deliver(app: Flask) -> Callable[..., PushWorker]:
    """Run the real worker until nothing is due; returns it for its stats."""

    def run(**options: Any) -> PushWorker:
        options.setdefault("idle_sleep", 0.01)
        worker = PushWorker(app, **options)
        worker.run(until_idle=True)
        return worker

    return run
