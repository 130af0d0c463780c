"""Open311 GeoReport v2: every endpoint in JSON (validated) and XML (parsed), and the loop."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jsonschema
import pytest

from tests.open311 import schemas

API = "/open311/v2"


@pytest.fixture
def api_key(world) -> str:
    response = world["admin"].post("/api/v1/open311/clients", json={"name": "Ứng dụng Phản ánh"})
    assert response.status_code == 201
    return response.get_json()["api_key"]


def file_report(client, key, fmt="json", **extra):
    form = {
        "api_key": key,
        "jurisdiction_id": "xa-a",
        "service_code": "roads",
        "lat": "10.7769",
        "long": "106.7009",
        "description": "Ổ gà lớn trước cổng trường",
        **extra,
    }
    # An outside application: no cookie, no Origin header.
    return client.post(f"{API}/requests.{fmt}", data=form, headers={"Origin": ""})


def test_discovery(client):
    data = client.get(f"{API}/discovery.json").get_json()
    jsonschema.validate(data, schemas.DISCOVERY)
    root = ET.fromstring(client.get(f"{API}/discovery.xml").data)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/url") is not None


def test_services_are_the_communes_categories(client, world):
    data = client.get(f"{API}/services.json?jurisdiction_id=xa-a").get_json()
    jsonschema.validate(data, schemas.SERVICES)
    assert {"roads", "flooding", "waste"} <= {s["service_code"] for s in data}
    root = ET.fromstring(client.get(f"{API}/services.xml?jurisdiction_id=xa-a").data)
    assert root.tag == "services"
    assert root.find("service/service_code").text == "roads"
    definition = client.get(f"{API}/services/roads.json?jurisdiction_id=xa-a").get_json()
    jsonschema.validate(definition, schemas.SERVICE_DEFINITION)
    xml = ET.fromstring(client.get(f"{API}/services/roads.xml?jurisdiction_id=xa-a").data)
    assert xml.tag == "service_definition" and xml.findtext("service_code") == "roads"


def test_the_whole_loop_through_open311(client, world, api_key):
    created = file_report(client, api_key)
    assert created.status_code == 201, created.data
    body = created.get_json()
    jsonschema.validate(body, schemas.CREATED)
    request_id, token = body[0]["service_request_id"], body[0]["token"]

    # It is a report in the commune, visible in the officials' inbox.
    official = world["official_a"]
    assert f"/t/{request_id}" in official.get("/c/xa-a/inbox", follow_redirects=True).text
    thread = official.get(f"/api/v1/threads/{request_id}").get_json()
    assert thread["kind"] == "report" and thread["category"]["code"] == "roads"

    [seen] = client.get(f"{API}/requests/{request_id}.json").get_json()
    assert seen["status"] == "open" and seen["lat"] == pytest.approx(10.7769)
    assert seen["agency_responsible"] == "Xã A"

    official.post(f"/api/v1/threads/{request_id}/replies", json={"body": "Đã cử người vá."})
    official.patch(
        f"/api/v1/threads/{request_id}", json={"status": "resolved", "note": "Đã vá xong."}
    )
    answer = client.get(f"{API}/requests/{request_id}.json").get_json()
    jsonschema.validate(answer, schemas.REQUESTS)
    assert answer[0]["status"] == "closed"
    assert answer[0]["status_notes"] == "Đã vá xong."

    xml = ET.fromstring(client.get(f"{API}/requests/{request_id}.xml").data)
    assert xml.tag == "service_requests"
    assert xml.find("request/status").text == "closed"
    assert xml.find("request/status_notes").text == "Đã vá xong."

    tokens = client.get(f"{API}/tokens/{token}.json").get_json()
    jsonschema.validate(tokens, schemas.TOKENS)
    assert tokens == [{"service_request_id": request_id, "token": token}]
    assert (
        ET.fromstring(client.get(f"{API}/tokens/{token}.xml").data)
        .find("request/service_request_id")
        .text
        == request_id
    )


def test_request_list_filters(client, world, api_key):
    first = file_report(client, api_key).get_json()[0]["service_request_id"]
    file_report(client, api_key, service_code="waste", description="Rác tồn đọng ở chợ")
    world["official_a"].patch(
        f"/api/v1/threads/{first}", json={"status": "declined", "note": "Không thuộc xã."}
    )
    everything = client.get(f"{API}/requests.json?jurisdiction_id=xa-a").get_json()
    jsonschema.validate(everything, schemas.REQUESTS)
    assert len(everything) == 2
    waste = client.get(f"{API}/requests.json?jurisdiction_id=xa-a&service_code=waste").get_json()
    assert [r["service_code"] for r in waste] == ["waste"]
    closed = client.get(f"{API}/requests.json?jurisdiction_id=xa-a&status=closed").get_json()
    assert [r["service_request_id"] for r in closed] == [first]
    by_id = client.get(f"{API}/requests.json?service_request_id={first}").get_json()
    assert [r["service_request_id"] for r in by_id] == [first]
    page = client.get(f"{API}/requests.json?jurisdiction_id=xa-a&page=2&page_size=1").get_json()
    assert [r["service_request_id"] for r in page] == [first]
    xml = ET.fromstring(client.get(f"{API}/requests.xml?jurisdiction_id=xa-a").data)
    assert len(xml.findall("request")) == 2
    old = client.get(f"{API}/requests.json?jurisdiction_id=xa-a&end_date=2020-01-31T00:00:00Z")
    assert old.get_json() == []


def test_private_threads_are_never_listed(client, world, api_key):
    private = (
        world["resident_a"]
        .post(
            "/api/v1/communes/xa-a/threads",
            json={"kind": "report", "body": "Chuyện riêng", "visibility": "officials"},
        )
        .get_json()["id"]
    )
    assert client.get(f"{API}/requests.json?jurisdiction_id=xa-a").get_json() == []
    assert client.get(f"{API}/requests/{private}.json").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/services.json", 400),  # no jurisdiction_id
        ("/services.json?jurisdiction_id=nowhere", 404),
        ("/services/potholes.json?jurisdiction_id=xa-a", 404),
        ("/requests/999999.json", 404),
        (
            "/requests.json?jurisdiction_id=xa-a&start_date=2026-01-01T00:00:00Z"
            "&end_date=2026-06-01T00:00:00Z",
            400,
        ),  # more than 90 days
        ("/requests.json?jurisdiction_id=xa-a&start_date=yesterday", 400),
        ("/requests.json?jurisdiction_id=xa-a&status=pending", 400),
        ("/tokens/nope.json", 404),
        ("/services.yaml?jurisdiction_id=xa-a", 404),
    ],
)
def test_errors_in_the_specifications_shape(client, world, path, status):
    response = client.get(API + path)
    assert response.status_code == status
    jsonschema.validate(response.get_json(), schemas.ERRORS)
    assert response.get_json()[0]["code"] == status


def test_error_in_xml(client, world):
    response = client.get(f"{API}/services.xml?jurisdiction_id=nowhere")
    root = ET.fromstring(response.data)
    assert root.tag == "errors" and root.find("error/code").text == "404"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"api_key": "wrong"}, 403),
        ({"api_key": ""}, 403),
        ({"service_code": "potholes"}, 404),
        ({"lat": "", "long": ""}, 400),  # no location at all
        ({"lat": "95", "long": "106"}, 400),
        ({"lat": "abc"}, 400),
        ({"description": ""}, 400),
        ({"jurisdiction_id": ""}, 400),
    ],
)
def test_bad_reports_are_refused(client, world, api_key, change, status):
    response = file_report(client, api_key, **change)
    assert response.status_code == status, response.data
    jsonschema.validate(response.get_json(), schemas.ERRORS)


def test_address_alone_is_a_location(client, world, api_key):
    response = file_report(client, api_key, lat="", long="", address_string="Ấp 3, xã A")
    assert response.status_code == 201
    request_id = response.get_json()[0]["service_request_id"]
    [seen] = client.get(f"{API}/requests/{request_id}.json").get_json()
    assert seen["address"] == "Ấp 3, xã A" and seen["lat"] is None


def test_revoked_key_is_refused(client, world, api_key):
    clients = world["admin"].get("/api/v1/open311/clients").get_json()["items"]
    assert world["admin"].delete(f"/api/v1/open311/clients/{clients[0]['id']}").status_code == 204
    assert file_report(client, api_key).status_code == 403


def test_only_admins_issue_keys(world):
    for who in ("official_a", "resident_a"):
        response = world[who].post("/api/v1/open311/clients", json={"name": "x"})
        assert response.status_code == 403
    assert world["admin"].get("/api/v1/open311/clients").status_code == 200


def test_api_key_and_jurisdiction_in_the_query_string_of_a_post(client, world, api_key):
    """As the open311 client libraries send them: the two in the query string, the rest in
    the form."""
    form = {"service_code": "roads", "address_string": "Ấp 3", "description": "Cống bị nghẹt"}
    response = client.post(
        f"{API}/requests.json?api_key={api_key}&jurisdiction_id=xa-a",
        data=form,
        headers={"Origin": ""},
    )
    assert response.status_code == 201, response.data
    [created] = response.get_json()
    [seen] = client.get(f"{API}/requests/{created['service_request_id']}.json").get_json()
    assert seen["description"] == "Cống bị nghẹt" and seen["agency_responsible"] == "Xã A"
    wrong = client.post(
        f"{API}/requests.xml?api_key=wrong&jurisdiction_id=xa-a", data=form, headers={"Origin": ""}
    )
    assert wrong.status_code == 403
    assert ET.fromstring(wrong.data).findtext("error/code") == "403"
