"""Full-text search: one function over SQLite FTS5 and PostgreSQL, Vietnamese with diacritics."""

from __future__ import annotations

import pytest

from app.threads.search import fold, terms
from tests.threads.helpers import API, ask, call, reply


def test_fold_removes_diacritics_and_case():
    assert fold("Ngập NƯỚC ở Đường số 5") == "ngap nuoc o duong so 5"
    # Decomposed input (as some keyboards send it) folds the same way.
    assert fold("nga\u0323\u0302p") == fold("ngập") == "ngap"
    assert terms("Đèn đường, đèn ĐƯỜNG!") == ["den", "duong"]


def _inbox_ids(client, q: str, **args) -> list[int]:
    response = call(client, "GET", f"{API}/inbox", query_string={"q": q, **args})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_search_finds_vietnamese_threads_and_replies(world):
    resident = world["resident_a"]
    official = world["official_a"]
    flood = ask(resident, "xa-a", "Hẻm 5 bị ngập nước sau mưa lớn", title="Ngập hẻm 5")
    lamp = ask(resident, "xa-a", "Đèn đường trước chợ không sáng")
    other = ask(world["resident_b"], "xa-b", "Ngập nước ở xã B")
    reply(world["resident_a2"], lamp, "Cột điện số 12 cũng tắt đèn")

    assert _inbox_ids(official, "ngập nước") == [flood]
    assert _inbox_ids(official, "Ngập Nước") == [flood]
    assert _inbox_ids(official, "ngap nuoc") == [flood]  # typed without diacritics
    assert _inbox_ids(official, "cột điện") == [lamp]  # found through a reply
    assert _inbox_ids(official, "đèn") == [lamp]
    assert _inbox_ids(official, "ngập đèn") == []  # every word must occur
    assert _inbox_ids(official, "ngậ") == [flood]  # the word being typed is a prefix
    assert other not in _inbox_ids(world["official_b"], "đèn")
    assert _inbox_ids(world["official_b"], "ngập") == [other]


@pytest.mark.parametrize("query", ['"', "a OR b", "x*", "NEAR(", "'; drop", "(", "&|!:*"])
def test_search_syntax_is_never_interpreted(world, query):
    ask(world["resident_a"], "xa-a", "Đèn đường hỏng")
    response = call(world["official_a"], "GET", f"{API}/inbox", query_string={"q": query})
    assert response.status_code == 200


def test_the_index_follows_hiding_restoring_and_deleting(world):
    from sqlalchemy import delete

    from app.extensions import db
    from app.threads.models import SearchEntry, Thread
    from tests.threads.helpers import count

    official, resident = world["official_a"], world["resident_a2"]
    thread = ask(world["resident_a"], "xa-a", "Cây đổ chắn đường")

    def similar() -> list[int]:
        response = call(resident, "GET", f"{API}/communes/xa-a/similar?q=cây đổ")
        return [item["id"] for item in response.get_json()["items"]]

    assert similar() == [thread]
    call(official, "POST", f"{API}/threads/{thread}/hide", json={"reason": "Trùng"})
    assert similar() == []
    assert _inbox_ids(official, "cây đổ") == [thread]  # officials still find it
    call(official, "POST", f"{API}/threads/{thread}/restore")
    assert similar() == [thread]
    reply(resident, thread, "Cành khô rơi xuống")
    assert count(SearchEntry) == 2
    db.session.execute(delete(Thread).where(Thread.id == thread))
    db.session.commit()
    assert count(SearchEntry) == 0
    assert _inbox_ids(official, "cành khô", status="all") == []
    assert similar() == []
