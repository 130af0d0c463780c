"""Who hears what is tested end to end: through the push service double and the real worker."""

from tests.push.conftest import deliver, device, push_service

__all__ = ["deliver", "device", "push_service"]
