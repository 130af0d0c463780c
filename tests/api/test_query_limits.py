"""Query numbers too long for int(): a 422 naming the parameter, never a 500.

Python refuses to convert strings of more than 4,300 digits (ValueError).
"""

from __future__ import annotations

import pytest

API = "/api/v1"
LONG = "1" * 5000


@pytest.mark.parametrize(
    ("who", "path"),
    [("resident_a", "/communes/xa-a/threads"), ("official_a", "/communes/xa-a/members")],
)
def test_a_limit_with_thousands_of_digits_is_invalid(world, who, path):
    response = world[who].get(f"{API}{path}", query_string={"limit": LONG})
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["field"] == "limit"
