"""Every error under /open311/ is GeoReport v2's list of {code, description}, in XML when the
path ends in .xml: unknown routes, wrong methods, 400, 413, 429 and 500 included (issue 11)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jsonschema
import pytest

from app.open311 import routes, services
from app.ratelimit.services import hit
from tests.open311 import schemas
from tests.open311.conftest import API


def assert_open311_error(response, status: int) -> None:
    assert response.status_code == status, response.data[:300]
    if response.request.path.endswith(".xml"):
        assert response.mimetype == "text/xml"
        root = ET.fromstring(response.data)
        assert root.tag == "errors"
        assert root.findtext("error/code") == str(status)
        assert root.findtext("error/description")
    else:
        assert response.mimetype == "application/json"
        jsonschema.validate(response.get_json(), schemas.ERRORS)
        assert response.get_json()[0]["code"] == status


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/nothing.json",
        f"{API}/nothing.xml",
        f"{API}/requests/1/extra.json",
        "/open311/v3/requests.xml",
        "/open311/",
    ],
)
def test_unknown_routes(client, path):
    assert_open311_error(client.get(path), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", f"{API}/requests.json"),
        ("put", f"{API}/requests.xml"),
        ("post", f"{API}/services.json"),
        ("post", f"{API}/discovery.xml"),
    ],
)
def test_wrong_methods_keep_the_allow_header(client, method, path):
    response = getattr(client, method)(path, headers={"Origin": ""})
    assert_open311_error(response, 405)
    assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    "query", ["status=pending", "page_size=abc", "start_date=yesterday", "service_request_id=x"]
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_malformed_parameters_are_400(client, world, query, fmt):
    assert_open311_error(client.get(f"{API}/requests.{fmt}?{query}"), 400)


def test_a_body_over_the_size_limit_is_413(client, app):
    too_big = b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        f"{API}/requests.json",
        data=too_big,
        content_type="application/x-www-form-urlencoded",
        headers={"Origin": ""},
    )
    assert_open311_error(response, 413)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_too_many_reports_for_a_key_is_429_with_retry_after(client, world, fmt):
    answer = world["admin"].post("/api/v1/open311/clients", json={"name": "Ứng dụng"})
    key, client_id = answer.get_json()["api_key"], answer.get_json()["id"]
    for _ in range(routes.PER_KEY.count):
        hit(routes.PER_KEY, f"{routes.PER_KEY.name}:{client_id}")
    response = client.post(
        f"{API}/requests.{fmt}",
        data={"api_key": key, "jurisdiction_id": "xa-a", "service_code": "roads"},
        headers={"Origin": ""},
    )
    assert_open311_error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bug_is_a_500_in_open311s_shape(client, world, monkeypatch, fmt):
    def broken(commune):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "service_list", broken)
    response = client.get(f"{API}/services.{fmt}?jurisdiction_id=xa-a")
    assert_open311_error(response, 500)
    assert "a bug" not in response.get_data(as_text=True)


def test_elsewhere_errors_keep_their_own_faces(client):
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"
    assert client.get("/nothing").mimetype == "text/html"
