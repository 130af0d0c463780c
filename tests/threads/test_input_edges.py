"""Inputs at the edges of what Python converts: a clear 422, never a 500 or a stored oddity."""

from __future__ import annotations

API = "/api/v1"


def test_a_coordinate_too_large_for_a_float_is_invalid(world):
    # A JSON integer with 400 digits parses, but float() of it raises OverflowError.
    huge = "1" + "0" * 400
    body = f'{{"kind": "report", "body": "Ổ gà", "latitude": {huge}, "longitude": 106}}'
    response = world["resident_a"].post(
        f"{API}/communes/xa-a/threads", data=body, content_type="application/json"
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["field"] == "latitude"


def test_a_category_code_with_a_trailing_newline_is_refused(world):
    # re.match with "$" also matches before a final newline: "cay\n" used to be stored.
    response = world["official_a"].post(
        f"{API}/communes/xa-a/categories", json={"name": "Cây xanh", "code": "cay\n"}
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "code"
