"""Anyone may read Open311's lists: each costs the same number of queries whatever its length,
and pages stay small (issue 12, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.open311.schemas import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.threads.models import Category
from tests.open311.conftest import API

TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@contextmanager
def counted() -> Iterator[list[str]]:
    """The SQL queries the app sends while the block runs (transaction control left out:
    SQLite's explicit BEGIN depends on the connection's state, not on the list)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if statement.split(maxsplit=1)[0].upper() not in TRANSACTION_CONTROL:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def cost(client, path: str) -> tuple[int, list]:
    with counted() as statements:
        response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    return len(statements), response.get_json()


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/requests.json?jurisdiction_id=xa-a",
        f"{API}/requests.json",  # every commune
        f"{API}/requests.json?jurisdiction_id=xa-a&status=open&service_code=roads,waste",
    ],
)
def test_request_lists_cost_the_same_for_1_and_50_items(client, world, make_thread, path):
    make_thread(world["a"])
    one, items = cost(client, path)
    assert len(items) == 1
    for _ in range(49):
        make_thread(world["a"])
    fifty, items = cost(client, path)
    assert len(items) == 50
    assert fifty == one, (one, fifty)


def test_requests_by_id_cost_the_same_for_1_and_50_ids(client, world, make_thread):
    ids = [make_thread(world["a"]).id for _ in range(50)]
    one, items = cost(client, f"{API}/requests.json?service_request_id={ids[0]}")
    fifty, items_50 = cost(
        client, f"{API}/requests.json?service_request_id={','.join(map(str, ids))}"
    )
    assert len(items) == 1 and len(items_50) == 50
    assert fifty == one, (one, fifty)


def test_one_request_costs_a_few_queries(client, world, make_thread):
    thread = make_thread(world["a"])
    queries, [item] = cost(client, f"{API}/requests/{thread.id}.json")
    assert item["status_notes"] == "Đã tiếp nhận."
    # The commune, category, latest note, reply and status times: a handful, not per field.
    assert queries <= 6


def test_services_cost_the_same_for_few_and_many(client, world):
    few, services = cost(client, f"{API}/services.json?jurisdiction_id=xa-a")
    for number in range(50):
        db.session.add(
            Category(commune_id=world["a"].id, name=f"Lĩnh vực {number}", code=f"c{number}")
        )
    db.session.commit()
    many, more = cost(client, f"{API}/services.json?jurisdiction_id=xa-a")
    assert len(more) == len(services) + 50
    assert many == few


def test_pages_are_capped(client, world, make_thread):
    for _ in range(MAX_PAGE_SIZE + 5):
        make_thread(world["a"])
    default = client.get(f"{API}/requests.json?jurisdiction_id=xa-a").get_json()
    assert len(default) == DEFAULT_PAGE_SIZE
    big = client.get(f"{API}/requests.json?jurisdiction_id=xa-a&page_size=1000").get_json()
    assert len(big) == MAX_PAGE_SIZE
    rest = client.get(f"{API}/requests.json?jurisdiction_id=xa-a&page_size=1000&page=2")
    assert len(rest.get_json()) == 5
    ids = ",".join(str(n) for n in range(1, MAX_PAGE_SIZE + 2))
    too_many = client.get(f"{API}/requests.json?service_request_id={ids}")
    assert too_many.status_code == 400
    assert str(MAX_PAGE_SIZE) in too_many.get_json()[0]["description"]
