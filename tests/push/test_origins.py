"""The sender's origin of an endpoint, parsed once per push service, is ``endpoint_origin``'s."""

from __future__ import annotations

import aiohttp
import pytest

from app.push.sender import Sender
from app.push.vapid import VapidKey, VapidSigner, endpoint_origin


@pytest.fixture
def sender() -> Sender:
    signer = VapidSigner(VapidKey.generate(), "mailto:ops@commune.example")
    return Sender(signer, (), concurrency=1, timeout=aiohttp.ClientTimeout(total=1))


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://FCM.googleapis.com:443/fcm/send/abc",
        "https://user@updates.push.services.mozilla.com/wpush/v2/x",
        "http://127.0.0.1:8080/push/x",
        "https://[2001:db8::1]:8443/push/x",
        "https://web.push.apple.com",
        "https://host.example?x=/y",
    ],
)
def test_the_cached_origin_is_the_parsed_one_for_every_endpoint_of_a_service(sender, endpoint):
    assert sender._origin(endpoint) == endpoint_origin(endpoint)
    assert sender._origin(endpoint) == endpoint_origin(endpoint)  # from the cache


def test_an_endpoint_that_is_no_url_is_refused_not_cached(sender):
    with pytest.raises(ValueError):
        sender._origin("ftp://host.example/push/x")
    assert sender._origins == {}
