"""App instances with the limits on, sharing the test database (as gunicorn workers would)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from tests.conftest import OriginClient


@pytest.fixture
def another_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Make more app instances on the same database; keyword arguments are extra config."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        keys = ("SQLALCHEMY_DATABASE_URI", "BASE_URL", "SECRET_KEY")
        other = create_app(
            {
                **{key: app.config[key] for key in keys},
                "TESTING": True,
                "RATE_LIMITS_ENABLED": True,
                **config,
            }
        )
        other.test_client_class = OriginClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def limited_app(another_app: Callable[..., Flask]) -> Flask:
    return another_app()


def behind_proxy(app: Flask, client_address: str) -> FlaskClient:
    """A browser whose requests reach the app through the local reverse proxy (127.0.0.1,
    trusted by default), which says the request came from ``client_address``."""
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = client_address
    return client
