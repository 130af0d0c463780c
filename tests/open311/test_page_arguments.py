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
