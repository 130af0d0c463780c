"""The officials' inbox: waiting longest first, filters, pages, unread markers."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.threads.models import Category
from tests.threads.helpers import API, ask, call, inbox_items, me, reply


def _ids(items) -> list[int]:
    return [item["id"] for item in items]


def test_waiting_longest_for_a_first_answer_comes_first(world):
    resident, official = world["resident_a"], world["official_a"]
    first = ask(resident, "xa-a", "Câu hỏi thứ nhất")
    second = ask(resident, "xa-a", "Câu hỏi thứ hai")
    third = ask(world["resident_a2"], "xa-a", "Câu hỏi thứ ba")
    ask(world["resident_b"], "xa-b", "Câu hỏi của xã B")
    reply(official, first, "Đã trả lời.")
    reply(resident, second, "Một người dân trả lời: vẫn chờ cán bộ.")

    items = inbox_items(official)
    assert _ids(items) == [second, third, first]
    assert [item["answered"] for item in items] == [False, False, True]
    # Officials see who wrote it (to stop them posting if need be) and the assignee.
    assert items[0]["author"]["id"] == me(resident)
    assert items[0]["assignee"] is None


def test_resolved_threads_leave_the_default_inbox(world):
    official = world["official_a"]
    done = ask(world["resident_a"], "xa-a", "Đã xong")
    open_one = ask(world["resident_a"], "xa-a", "Chưa xong")
    call(official, "PATCH", f"{API}/threads/{done}", json={"status": "resolved"})
    assert _ids(inbox_items(official)) == [open_one]
    assert _ids(inbox_items(official, status="resolved")) == [done]
    assert sorted(_ids(inbox_items(official, status="all"))) == [done, open_one]


def test_filters_by_kind_category_and_assignee(world):
    official = world["official_a"]
    categories = db.session.query(Category).filter_by(commune_id=world["a"].id).all()
    roads = next(c for c in categories if c.code == "roads").id
    question = ask(world["resident_a"], "xa-a", "Hỏi về giấy tờ")
    report = ask(world["resident_a"], "xa-a", "Ổ gà", kind="report", category=roads)

    assert _ids(inbox_items(official, kind="report")) == [report]
    assert _ids(inbox_items(official, kind="question")) == [question]
    assert _ids(inbox_items(official, category=str(roads))) == [report]
    assert _ids(inbox_items(official, category="none")) == [question]

    official_id = me(official)
    response = call(
        official, "PUT", f"{API}/threads/{report}/assignee", json={"assignee": official_id}
    )
    assert response.status_code == 200
    assert _ids(inbox_items(official, assignee="me")) == [report]
    assert _ids(inbox_items(official, assignee=str(official_id))) == [report]
    assert _ids(inbox_items(official, assignee="none")) == [question]


def test_bad_filters_are_422_naming_the_field(world):
    official = world["official_a"]
    for args, field in (
        ({"status": "closed"}, "status"),
        ({"kind": "complaint"}, "kind"),
        ({"category": "roads"}, "category"),
        ({"assignee": "-1"}, "assignee"),
        ({"cursor": "2-5"}, "cursor"),
        ({"q": "x" * 201}, "q"),
        ({"limit": "0"}, "limit"),
    ):
        response = call(official, "GET", f"{API}/inbox", query_string=args)
        assert response.status_code == 422, args
        assert response.get_json()["error"]["field"] == field


def test_pages_through_the_inbox_with_a_cursor(world):
    official = world["official_a"]
    ids = [ask(world["resident_a"], "xa-a", f"Câu hỏi {n}") for n in range(5)]
    reply(official, ids[0], "Đã trả lời")
    reply(official, ids[3], "Đã trả lời")
    expected = [ids[1], ids[2], ids[4], ids[0], ids[3]]
    seen, cursor = [], ""
    while True:
        response = call(
            official, "GET", f"{API}/inbox", query_string={"limit": 2, "cursor": cursor}
        )
        body = response.get_json()
        seen += _ids(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_inbox_of_several_communes(world, make_staff, login):
    make_staff("both@example.vn", communes=(world["a"], world["b"]))
    both = login("both@example.vn")
    in_a = ask(world["resident_a"], "xa-a", "Ở xã A")
    in_b = ask(world["resident_b"], "xa-b", "Ở xã B")
    assert sorted(_ids(inbox_items(both))) == [in_a, in_b]
    assert _ids(inbox_items(both, commune="xa-b")) == [in_b]
    # One official of A asking for B's inbox: refused.
    response = call(world["official_a"], "GET", f"{API}/inbox", query_string={"commune": "xa-b"})
    assert response.status_code == 403


def test_unread_markers_per_official(world, make_staff, login):
    make_staff("second.a@example.vn", communes=(world["a"],))
    second = login("second.a@example.vn")
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Có ai đọc không?")

    assert inbox_items(official)[0]["unread"] is True
    call(official, "GET", f"{API}/threads/{thread}")  # opening it reads it
    assert inbox_items(official)[0]["unread"] is False
    assert inbox_items(second)[0]["unread"] is True  # per official

    # The official's own reply is not news to them; a resident's reply is.
    reply(official, thread, "Chúng tôi đã đọc.")
    assert inbox_items(official, status="all")[0]["unread"] is False
    reply(world["resident_a"], thread, "Cảm ơn ạ.")
    assert inbox_items(official, status="all")[0]["unread"] is True

    # Opening it on the workspace page reads it too.
    assert official.get(f"/w/t/{thread}").status_code == 200
    db.session.rollback()
    assert inbox_items(official, status="all")[0]["unread"] is False
    # Another official's internal note is activity as well.
    call(second, "POST", f"{API}/threads/{thread}/notes", json={"body": "Tôi sẽ đi xem."})
    assert inbox_items(official, status="all")[0]["unread"] is True
    # So is the residents' page of the thread (where a notification's tap lands).
    assert official.get(f"/t/{thread}").status_code == 200
    db.session.rollback()
    assert inbox_items(official, status="all")[0]["unread"] is False
    # A resident opening it marks nothing for anyone.
    reply(world["resident_a"], thread, "Bác xem giúp ạ.")
    assert world["resident_a"].get(f"/t/{thread}").status_code == 200
    assert inbox_items(official, status="all")[0]["unread"] is True


def test_inbox_page_filters_and_marks(world):
    official = world["official_a"]
    waiting = ask(world["resident_a"], "xa-a", "Đèn đường hỏng", title="Đèn đường")
    flood = ask(world["resident_a"], "xa-a", "Ngập nước", title="Ngập hẻm 7", kind="report")
    call(official, "GET", f"{API}/threads/{flood}")

    page = official.get("/w/xa-a")
    assert page.status_code == 200
    assert "Đèn đường" in page.text and "Ngập hẻm 7" in page.text
    assert f'data-thread="{waiting}"' in page.text
    assert page.text.count("data-unread") == 1  # only the one not yet opened

    searched = official.get("/w/xa-a", query_string={"q": "ngap"})
    assert "Ngập hẻm 7" in searched.text and "Đèn đường" not in searched.text
    by_kind = official.get("/w/xa-a", query_string={"kind": "question"})
    assert "Đèn đường" in by_kind.text and "Ngập hẻm 7" not in by_kind.text
    assert official.get("/w/xa-a", query_string={"status": "bogus"}).status_code == 422


def test_workspace_home_lists_served_communes(world):
    page = world["official_a"].get("/w/")
    assert page.status_code == 200
    assert "Xã A" in page.text and "Xã B" not in page.text
    assert world["resident_a"].get("/w/").status_code == 403
    assert world["admin"].get("/w/").status_code == 403


def test_opening_a_thread_never_fails_for_its_read_marker(app, world):
    """SQLite: a GET's transaction begins as a reader; when another request writes before the
    read marker does, the marker is skipped instead of failing the page (503)."""
    import sqlite3

    from app.accounts.models import Account
    from app.threads.models import Thread
    from app.workspace.models import ThreadRead
    from app.workspace.unread import mark_read

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's reader snapshots only")
    thread_id = ask(world["resident_a"], "xa-a", "Câu hỏi")
    official_id = me(world["official_a"])
    db.session.remove()
    with app.test_request_context("/w/", method="GET"):
        app.preprocess_request()
        thread = db.session.get(Thread, thread_id)  # the reader's snapshot
        official = db.session.get(Account, official_id)
        other = sqlite3.connect(db.engine.url.database)
        other.execute("UPDATE account SET display_name = 'Người khác' WHERE id = ?", (official_id,))
        other.commit()
        other.close()
        mark_read(official, thread)  # refused by SQLite, skipped
        db.session.commit()
    assert db.session.query(ThreadRead).count() == 0
    assert inbox_items(world["official_a"])[0]["unread"] is True


def test_a_search_that_finds_nothing_open_says_where_else_it_looked(world):
    official = world["official_a"]
    done = ask(world["resident_a"], "xa-a", "Đèn đường ấp 3 không sáng")
    call(official, "PATCH", f"{API}/threads/{done}", json={"status": "resolved"})
    ask(world["resident_a"], "xa-a", "Hỏi về giấy khai sinh")

    page = official.get("/w/xa-a", query_string={"q": "đèn đường"}).get_data(as_text=True)
    assert "Không có câu hỏi nào ở trạng thái đã chọn khớp với “đèn đường”." in page
    assert "Xem 1 kết quả tìm thấy ở mọi trạng thái" in page
    assert 'href="/w/xa-a?q=%C4%91%C3%A8n+%C4%91%C6%B0%E1%BB%9Dng&amp;status=all"' in page
    found = official.get("/w/xa-a", query_string={"q": "đèn đường", "status": "all"})
    assert f'data-thread="{done}"' in found.get_data(as_text=True)

    nowhere = official.get("/w/xa-a", query_string={"q": "cầu khỉ"}).get_data(as_text=True)
    assert "Các trạng thái khác cũng không có." in nowhere
    everywhere = official.get("/w/xa-a", query_string={"q": "cầu khỉ", "status": "all"})
    assert "khớp với “cầu khỉ”, ở mọi trạng thái." in everywhere.get_data(as_text=True)


def _inbox(client, **args):
    response = call(client, "GET", f"{API}/inbox", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_json_inbox_says_where_else_a_search_found_matches(world, monkeypatch):
    """The same service as the page: a search that finds nothing open says what the other
    statuses hold; nothing is added when there is nothing to say."""
    official = world["official_a"]
    done = ask(world["resident_a"], "xa-a", "Đèn đường ấp 3 không sáng")
    call(official, "PATCH", f"{API}/threads/{done}", json={"status": "resolved"})
    ask(world["resident_a"], "xa-a", "Hỏi về giấy khai sinh")
    ask(world["resident_b"], "xa-b", "Đèn đường xã B")  # another commune: never counted

    empty = _inbox(official, q="đèn đường")
    assert empty["items"] == []
    assert empty["elsewhere"] == {"status": "all", "count": 1, "more": False}
    found = _inbox(official, q="đèn đường", status=empty["elsewhere"]["status"])
    assert _ids(found["items"]) == [done] and found["elsewhere"] is None

    assert _inbox(official, q="cầu khỉ")["elsewhere"] == {
        "status": "all",
        "count": 0,
        "more": False,
    }
    assert _inbox(official, q="cầu khỉ", status="all")["elsewhere"] is None
    assert _inbox(official, q="khai sinh")["elsewhere"] is None  # found: nothing to add
    assert _inbox(official, status="resolved", kind="question")["elsewhere"] is None
    assert _inbox(official, q="đèn đường", cursor="0-1")["elsewhere"] is None  # a later page

    # More than the limit: the count stops there and "more" says so.
    again = ask(world["resident_a2"], "xa-a", "Đèn đường ấp 4 cũng tắt")
    call(official, "PATCH", f"{API}/threads/{again}", json={"status": "resolved"})
    monkeypatch.setattr("app.workspace.inbox.ELSEWHERE_LIMIT", 1)
    monkeypatch.setattr("app.workspace.schemas.ELSEWHERE_LIMIT", 1)
    assert _inbox(official, q="đèn đường")["elsewhere"] == {
        "status": "all",
        "count": 1,
        "more": True,
    }


def test_the_elsewhere_field_is_in_the_openapi_document(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "elsewhere" in schemas["Inbox"]["required"]
    assert set(schemas["Elsewhere"]["properties"]) == {"status", "count", "more"}
