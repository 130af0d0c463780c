"""A real S3 HTTP endpoint for the tests: moto's server, in its own process on a free port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.media.storage import s3_client
from tests.server.helpers import VENV_BIN, free_port, serving

# moto accepts any keys; they are still sent, signed, as a real client would.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing-key-id",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
    "AWS_REGION": "ap-southeast-1",
}


@contextmanager
def moto_server(log_folder: Path) -> Iterator[str]:
    """Start ``moto_server`` on 127.0.0.1 and yield its URL; stop it at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with serving(
        command, log_path=log_folder / "moto.log", ready_url=f"{url}/moto-api/", name="moto_server"
    ):
        yield url


def settings(endpoint: str) -> dict[str, Any]:
    """The app's settings for a bucket on ``endpoint`` (without MEDIA_URL)."""
    return {"S3_ENDPOINT_URL": endpoint, **CREDENTIALS}


def new_bucket(endpoint: str) -> str:
    """A new, empty, private bucket on ``endpoint``."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = s3_client(settings(endpoint))
    client.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["AWS_REGION"]},
    )
    return name
