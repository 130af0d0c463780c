"""The matrix's world: built once per module and backend, restored after each write."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.authorization.world import World, build


@pytest.fixture(scope="module")
def world(module_app: Flask) -> Iterator[World]:
    """Commune A and B, nine callers and A's objects (tests/authorization/world.py); the tables
    are emptied at the module's end by ``module_app``."""
    yield build(module_app)
