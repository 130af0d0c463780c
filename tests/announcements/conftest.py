"""The push fixtures (push service double, devices, a worker run) for the announcement tests."""

from tests.push.conftest import deliver, device, push_service  # noqa: F401
