"""Every staff page says how many questions wait for an answer (menu and title), counted in
one query for all the communes the official serves; the push offer speaks to officials."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app.accounts.models import Account
from app.extensions import db
from app.workspace import routes as workspace_routes
from app.workspace.inbox import waiting_for
from tests.threads.helpers import API, ask, call, reply

STAFF_PAGES = ("/w/xa-a", "/w/xa-a/canned", "/w/xa-a/categories", "/w/xa-a/moderation")


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


def _official_of_both(world, make_staff, login):
    make_staff("hai.xa@example.vn", communes=(world["a"], world["b"]))
    return login("hai.xa@example.vn")


def test_the_number_waiting_is_on_every_staff_page(world, make_staff, login):
    official = _official_of_both(world, make_staff, login)
    first = ask(world["resident_a"], "xa-a", "Đường ấp 1 bị sạt lở")
    answered = ask(world["resident_a2"], "xa-a", "Khi nào có điện lại?")
    closed = ask(world["resident_a2"], "xa-a", "Đã có người sửa đèn chưa?")
    ask(world["resident_b"], "xa-b", "Xin hỏi lịch họp tổ dân phố")
    reply(official, answered, "Chiều nay sẽ có điện lại.")
    resolved = call(official, "PATCH", f"{API}/threads/{closed}", json={"status": "resolved"})
    assert resolved.status_code == 200
    for path in (*STAFF_PAGES, f"/w/t/{first}"):
        page = official.get(path).text
        assert _title(page).startswith("(2) "), path  # one here, one in Xã B
        assert '<span class="badge waiting" data-waiting>1 đang chờ</span>' in page, path
        assert "1 câu hỏi đang chờ ở các xã khác bạn phụ trách" in page, path
    assert _title(official.get("/w/xa-a").text) == "(2) Hộp thư cần trả lời · Xã A"
    assert _title(official.get("/w/").text) == "(2) Trang làm việc"

    reply(official, first, "Xã đã cử người đến xem.")
    page = world["official_a"].get("/w/xa-a").text
    assert _title(page) == "Hộp thư cần trả lời · Xã A"  # nothing waits in Xã A any more
    assert "data-waiting" not in page and "xã khác" not in page


def test_every_other_staff_page_says_so_too(world, make_staff, login):
    official = _official_of_both(world, make_staff, login)
    ask(world["resident_a"], "xa-a", "Đường ấp 1 bị sạt lở")
    ask(world["resident_b"], "xa-b", "Xin hỏi lịch họp tổ dân phố")
    link = '<a class="waiting-link" href="/w/" data-waiting-total>2 câu hỏi đang chờ trả lời</a>'
    for path in ("/", "/c/xa-a", "/admin", "/account/security", "/account/password"):
        page = official.get(path).text
        assert _title(page).startswith("(2) "), path
        assert link in page, path
    # The staff home leads to each commune's inbox, with what waits there.
    home = official.get("/").text
    inbox = '<a href="/w/xa-a">Hộp thư cần trả lời</a> <span class="badge waiting">1 đang chờ'
    assert inbox in home
    # Residents see no count, and pay no query for it.
    resident = world["resident_a"].get("/c/xa-a").text
    assert "data-waiting-total" not in resident and not _title(resident).startswith("(")


def test_a_database_that_fails_the_count_never_fails_the_page(world, monkeypatch):
    def unreachable(_account):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(workspace_routes, "waiting_for", unreachable)
    page = world["official_a"].get("/admin")
    assert page.status_code == 200 and "data-waiting-total" not in page.text


def test_waiting_is_one_query_for_every_commune(world, make_staff, login, app):
    _official_of_both(world, make_staff, login)
    ask(world["resident_a"], "xa-a", "Cống ấp 4 bị tắc")
    ask(world["resident_b"], "xa-b", "Rác chưa được thu gom")
    ask(world["resident_b"], "xa-b", "Đèn đường hỏng")
    account = db.session.query(Account).filter_by(email="hai.xa@example.vn").one()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        counts = waiting_for(account)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert counts == {world["a"].id: 1, world["b"].id: 2}
    assert len(statements) == 1


def test_push_is_offered_to_officials_in_their_words(world):
    official, resident = world["official_a"], world["resident_a"]
    for page in (official.get("/w/xa-a").text, official.get("/c/xa-a").text):
        assert "Nhận thông báo khi có câu hỏi mới" in page
        assert "khi người dân gửi câu hỏi, phản ánh" in page
        assert "Nhận câu trả lời trên điện thoại" not in page
    feed = resident.get("/c/xa-a").text
    assert "Nhận câu trả lời trên điện thoại" in feed
    assert "Nhận thông báo khi có câu hỏi mới" not in feed
