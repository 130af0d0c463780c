"""Two app hosts on one PostgreSQL database and one bucket, as docs/deploy.md lays them out:
two gunicorn servers (each with its own instance folder), moto's S3 server as the bucket."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from PIL import Image

from app.media.storage import s3_client
from tests.databases import postgres_for_test
from tests.s3 import moto_server, new_bucket, settings
from tests.server.helpers import flask_cli, free_port, gunicorn, server_env
from tests.threads.test_photos import jpeg_with_gps

pytestmark = pytest.mark.slow
PASSWORD = "mật khẩu thật dài"


def test_upload_on_one_host_read_answer_and_limits_on_the_other(tmp_path: Path) -> None:
    with postgres_for_test() as database, moto_server(tmp_path) as endpoint:
        bucket = new_bucket(endpoint)
        ports = free_port(), free_port()
        # One public address for both, as behind a load balancer.
        base_url = f"http://127.0.0.1:{ports[0]}"
        envs = []
        for name in ("host-a", "host-b"):
            env = server_env(tmp_path / name, database, base_url)
            env.update(settings(endpoint), MEDIA_URL=f"s3://{bucket}/media")
            env["FEEDBACK_RATE_LIMITS"] = json.dumps({"join-ip": [2, 3600]})
            envs.append(env)
        flask_cli(envs[0], "db", "upgrade")
        join_url = flask_cli(envs[0], "communes", "create", "xa-a", "--name", "Xã A").strip()
        token = join_url.rsplit("/", 1)[1]
        flask_cli(
            envs[1],
            *("users", "create", "canbo@example.vn", "--role", "official"),
            *("--commune", "xa-a", "--password-stdin"),
            stdin=f"{PASSWORD}\n",
        )
        with gunicorn(envs[0], ports[0]) as host_a, gunicorn(envs[1], ports[1]) as host_b:
            _two_hosts(host_a, host_b, base_url, token)
        # The photo is in the bucket, in neither host's folder.
        listed = s3_client(settings(endpoint)).list_objects_v2(Bucket=bucket, Prefix="media/")
        assert len(listed["Contents"]) == 2  # the photo and its small one
        for name in ("host-a", "host-b"):
            assert not list((tmp_path / name / "uploads").glob("*"))


def _two_hosts(host_a: str, host_b: str, origin: str, token: str) -> None:
    sent = {"Origin": origin}
    # Cookies are per host name, not port: one browser, served by either host.
    resident = requests.Session()
    joined = resident.post(f"{host_a}/api/v1/join", json={"token": token}, headers=sent)
    assert joined.status_code == 201, joined.text

    # A resident uploads a photo through host A ...
    asked = resident.post(
        f"{host_a}/api/v1/communes/xa-a/threads",
        data={"kind": "report", "body": "Cống vỡ ở hẻm 5", "visibility": "public"},
        files={"photo": ("cong.jpg", jpeg_with_gps(2000, 1500), "image/jpeg")},
        headers=sent,
        timeout=30,
    )
    assert asked.status_code == 201, asked.text
    thread = asked.json()
    # ... and reads it through host B, the photo and its small one; the session works on both.
    full = resident.get(host_b + thread["photo_url"], timeout=10)
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(full.content)).size == (1600, 1200)
    part = resident.get(host_b + thread["photo_url"], headers={"Range": "bytes=0-9"}, timeout=10)
    assert part.status_code == 206 and part.content == full.content[:10]
    small = resident.get(f"{host_b}{thread['photo_url']}/small", timeout=10)
    assert small.status_code == 200 and small.headers["Content-Type"] == "image/webp"
    assert len(small.content) <= 30 * 1024
    assert resident.get(f"{host_a}{thread['photo_url']}/small", timeout=10).content == small.content
    for host in (host_a, host_b):
        assert resident.get(f"{host}/api/v1/me", timeout=10).status_code == 200, host
    # Someone signed out gets no photo from either host (a sign-in page instead).
    for host in (host_a, host_b):
        stranger = requests.get(host + thread["photo_url"], timeout=10, allow_redirects=False)
        assert stranger.status_code in (302, 303, 401, 404), host

    # An official answers through host B; the resident reads the answer through host A.
    official = requests.Session()
    signed_in = official.post(
        f"{host_b}/api/v1/auth/login",
        json={"email": "canbo@example.vn", "password": PASSWORD},
        headers=sent,
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text
    answer = "Đội công trình sẽ sửa trong tuần này."
    replied = official.post(
        f"{host_b}/api/v1/threads/{thread['id']}/replies",
        json={"body": answer},
        headers=sent,
        timeout=10,
    )
    assert replied.status_code == 201, replied.text
    assert answer in resident.get(f"{host_a}/t/{thread['id']}", timeout=10).text

    # A limit counted on host A holds on host B: two joins from this address, then no more.
    neighbour = requests.post(f"{host_a}/api/v1/join", json={"token": token}, headers=sent)
    assert neighbour.status_code == 201
    third = requests.post(f"{host_b}/api/v1/join", json={"token": token}, headers=sent)
    assert third.status_code == 429, third.text
