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


LISTINGS = [
    ("resident_a", "/communes/xa-a/threads"),
    ("official_a", "/communes/xa-a/members"),
    ("official_a", "/audit"),
]


@pytest.mark.parametrize("value", ["٣", "３", "²", "--5", "-5", "0", "101", "+5", ""])
@pytest.mark.parametrize(("who", "path"), [*LISTINGS, ("official_a", "/inbox")])
def test_a_limit_that_is_not_ascii_digits_from_1_to_100_is_invalid(world, who, path, value):
    # The query models (app.schema.query) read ASCII digits only (issue 13).
    response = world[who].get(f"{API}{path}", query_string={"limit": value})
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["field"] == "limit"


@pytest.mark.parametrize("value", ["٣", "３", "--5", "-5", "1e3"])
@pytest.mark.parametrize(("who", "path"), LISTINGS)
def test_a_cursor_that_is_not_ascii_digits_is_invalid(world, who, path, value):
    response = world[who].get(f"{API}{path}", query_string={"cursor": value})
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("path", "name"),
    [("/communes/xa-a/categories", "archived"), ("/communes/xa-a/members", "blocked")],
)
@pytest.mark.parametrize("value", ["2", "yes", "١"])
def test_a_yes_no_filter_takes_only_its_words(world, path, name, value):
    response = world["official_a"].get(f"{API}{path}", query_string={name: value})
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["field"] == name
