"""Open311 paging arguments too long for int(): a 400 in the Open311 format, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("name", ["page", "page_size"])
def test_a_page_argument_with_thousands_of_digits_is_refused(world, client, name):
    response = client.get(
        "/open311/v2/requests.json", query_string={"jurisdiction_id": "xa-a", name: "1" * 5000}
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert name in response.get_json()[0]["description"]


# Numbers are ASCII digits only: Arabic-Indic or full-width digits, doubled signs and huge
# values are the specification's 400 (or 404 for an id in the path), never a 500 or a match.
@pytest.mark.parametrize("value", ["٣", "３", "--5", "-5", "0", "+5", " 5", "1e3", "9" * 30])
@pytest.mark.parametrize("name", ["page", "page_size"])
def test_a_page_argument_that_is_not_ascii_digits_is_refused(world, client, name, value):
    response = client.get(
        "/open311/v2/requests.json", query_string={"jurisdiction_id": "xa-a", name: value}
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()[0]["description"] == (
        f"{name} must be a whole number from 1 to 999999"
    )


@pytest.mark.parametrize("value", ["٣", "1,--5", "1,-5", "1,,x", ",", "9" * 30])
def test_a_list_of_request_ids_that_is_not_ascii_digits_is_refused(world, client, value):
    response = client.get(
        "/open311/v2/requests.json",
        query_string={"jurisdiction_id": "xa-a", "service_request_id": value},
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert "service_request_id" in response.get_json()[0]["description"]


@pytest.mark.parametrize("request_id", ["٣", "--5", "-5", "0", "9" * 30, "1e3"])
def test_a_request_id_in_the_path_that_is_not_an_id_is_not_found(world, client, request_id):
    response = client.get(f"/open311/v2/requests/{request_id}.json")
    assert response.status_code == 404, response.get_data(as_text=True)[:200]
    assert response.get_json()[0]["code"] == 404


@pytest.mark.parametrize(
    ("lat", "long"), [("٣", "106.7"), ("10.7", "١٠٦"), ("1_0", "106.7"), ("nan", "106.7")]
)
def test_a_coordinate_that_is_not_an_ascii_decimal_is_refused(world, client, lat, long):
    # float() reads "٣" as 3.0 and "1_0" as 10.0: they used to file a report at a made-up spot.
    admin = world["admin"]
    key = admin.post("/api/v1/open311/clients", json={"name": "x"}).get_json()["api_key"]
    form = {
        "api_key": key,
        "jurisdiction_id": "xa-a",
        "service_code": "roads",
        "lat": lat,
        "long": long,
        "description": "Ổ gà lớn trước cổng trường",
    }
    response = client.post("/open311/v2/requests.json", data=form, headers={"Origin": ""})
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert "must be a decimal number" in response.get_json()[0]["description"]
