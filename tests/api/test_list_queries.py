"""Issue 12, item 4: "Every list must cost a fixed number of queries whatever its length."

Every list page and list endpoint (Open311 has its own test) is requested with 2 items of
everything, then with 40: the number of SQL statements must be the same. Each item carries
what a real one does (an author, a category, an assignee, an answer, a status change, a flag,
a follower, notes, push messages), so a relation loaded once per item shows up as a difference.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from app.accounts.models import Account
from app.communes.services import create_commune
from app.extensions import db
from app.membership.services import add_official
from tests.threads.helpers import API, ask, call, establish, me, reply

SMALL, LARGE = 2, 40


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements run inside the block (every backend, every connection)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries(client: FlaskClient, path: str) -> tuple[int, list[str]]:
    """Statements one GET of ``path`` runs, after a first GET that warms what is done once
    (a read marker's first insert, a key loaded on first use)."""
    warm = call(client, "GET", path)
    assert warm.status_code == 200, (path, warm.status_code, warm.data[:300])
    with counting() as statements:
        response = call(client, "GET", path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements), statements


class Village:
    """A commune that grows: ``grow(n)`` adds ``n`` of every kind of listed thing."""

    def __init__(self, world: dict[str, Any], join: Callable[..., FlaskClient], make_staff):
        self.world, self.join, self.make_staff = world, join, make_staff
        self.official, self.admin = world["official_a"], world["admin"]
        self.author = world["resident_a"]
        self.welcome = ask(self.official, "xa-a", "Chào mừng bà con.")
        self.big = ask(self.author, "xa-a", "Đường ấp 3 khi nào được sửa?")
        self.grown = 0
        self.categories = [
            item["id"]
            for item in call(self.official, "GET", f"{API}/communes/xa-a/categories").get_json()[
                "items"
            ]
        ]
        self.official_id = me(self.official)

    def _post(self, client: FlaskClient, path: str, body: dict[str, Any], method: str = "POST"):
        response = call(client, method, path, json=body)
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.grown += 1
            number = self.grown
            resident = self.join(self.world["a"], f"Cư dân {number}")
            establish(resident, self.welcome)
            # A thread with everything a thread can carry.
            thread = ask(
                resident,
                "xa-a",
                f"Phản ánh số {number}: đèn đường hỏng",
                kind="report",
                title=f"Đèn đường {number}",
                category=self.categories[number % len(self.categories)],
            )
            self._post(
                self.official,
                f"{API}/threads/{thread}/assignee",
                {"assignee": self.official_id},
                "PUT",
            )
            self._post(
                self.official,
                f"{API}/threads/{thread}",
                {"status": "in_progress", "note": "Đã chuyển đội điện"},
                "PATCH",
            )
            reply(self.official, thread, "Xã đã tiếp nhận.")
            self._post(self.author, f"{API}/threads/{thread}/flag", {"reason": "Trùng"})
            self._post(self.author, f"{API}/threads/{thread}/follow", {})
            self._post(self.official, f"{API}/threads/{thread}/notes", {"body": "Ghi chú"})
            # The big thread: a reply from this resident, an answer, a note, a flag.
            answer = reply(self.official, self.big, f"Trả lời {number}")
            reply(resident, self.big, f"Ý kiến {number}")
            self._post(resident, f"{API}/replies/{answer}/flag", {"reason": "Sai"})
            self._post(self.official, f"{API}/threads/{self.big}/notes", {"body": f"N{number}"})
            # Announcements, canned replies, categories.
            self._post(
                self.official,
                f"{API}/communes/xa-a/announcements",
                {"title": f"Thông báo {number}", "body": "Nội dung", "pinned": number == 1},
            )
            self._post(
                self.official,
                f"{API}/communes/xa-a/canned-replies",
                {"title": f"Mẫu {number}", "body": "Xã đã ghi nhận."},
            )
            self._post(
                self.official,
                f"{API}/communes/xa-a/categories",
                {"name": f"Lĩnh vực {number}", "code": f"linh-vuc-{number}"},
            )
            # The admin console: a commune with an official, an invitation, an API client.
            commune = create_commune(f"xa-moi-{number}", f"Xã Mới {number}")
            db.session.commit()
            staff = self.make_staff(f"canbo{number}@example.vn", communes=(commune,))
            add_official(staff, self.world["a"])
            # Officials and residents of many communes: the lists of one's communes grow too.
            add_official(db.session.get(Account, self.official_id), commune)
            db.session.commit()
            self._post(self.author, f"{API}/join", {"token": commune.join_token})
            self._post(
                self.admin,
                f"{API}/invites",
                {"email": f"moi{number}@example.vn", "communes": [commune.slug]},
            )
            self._post(self.admin, f"{API}/open311/clients", {"name": f"Ứng dụng {number}"})


# Every list in the URL map (Open311's lists have their own test), and who reads it.
LISTS: list[tuple[str, str]] = [
    # residents
    ("resident_a", "/"),
    ("resident_a", "/c/xa-a"),
    ("resident_a", f"{API}/communes/xa-a/threads?limit=100"),
    ("resident_a", "/t/{big}"),
    ("resident_a", f"{API}/threads/{{big}}"),
    ("resident_a", f"{API}/communes/xa-a/announcements?limit=100"),
    ("resident_a", f"{API}/communes/xa-a/categories"),
    ("resident_a", f"{API}/communes/xa-a/similar?q=đèn+đường"),
    ("resident_a", f"{API}/me/export"),
    # officials
    ("official_a", "/w/"),
    ("official_a", "/w/xa-a"),
    ("official_a", "/w/xa-a?q=đèn+đường"),
    ("official_a", "/w/xa-a?status=all"),
    ("official_a", f"{API}/inbox?limit=100"),
    ("official_a", f"{API}/inbox?limit=100&q=đèn+đường"),
    ("official_a", f"{API}/inbox?limit=100&status=all"),
    ("official_a", "/w/t/{big}"),
    ("official_a", "/t/{big}"),
    ("official_a", f"{API}/threads/{{big}}"),
    ("official_a", f"{API}/threads/{{big}}/notes"),
    ("official_a", "/c/xa-a"),
    # /c/xa-a/inbox is a redirect to the one inbox, /w/xa-a, measured above.
    ("official_a", f"{API}/communes/xa-a/threads?limit=100"),
    ("official_a", "/w/xa-a/announcements"),
    ("official_a", f"{API}/communes/xa-a/announcements?limit=100"),
    ("official_a", "/w/xa-a/canned"),
    ("official_a", f"{API}/communes/xa-a/canned-replies"),
    ("official_a", "/w/xa-a/categories"),
    ("official_a", f"{API}/communes/xa-a/categories?archived=1"),
    ("official_a", "/w/xa-a/moderation"),
    ("official_a", f"{API}/communes/xa-a/flags"),
    ("official_a", f"{API}/communes/xa-a/members?limit=100"),
    ("official_a", f"{API}/communes/xa-a/assignees"),
    ("official_a", "/w/xa-a/similar?q=đèn+đường"),
    ("official_a", "/w/xa-a/audit"),
    ("official_a", f"{API}/audit?limit=100"),
    ("official_a", f"{API}/communes/xa-a/stats"),
    # admins
    ("admin", "/admin"),
    ("admin", "/admin/communes/xa-a"),
    ("admin", "/admin/invites"),
    ("admin", "/admin/stats"),
    ("admin", "/admin/stats.csv"),
    ("admin", "/admin/boards.pdf"),
    ("admin", f"{API}/communes"),
    ("admin", f"{API}/communes/xa-a/officials"),
    ("admin", f"{API}/invites"),
    ("admin", f"{API}/audit?limit=100"),
    ("admin", f"{API}/stats"),
    ("admin", f"{API}/open311/clients"),
    ("admin", "/communes/xa-a/stats"),
    # anyone
    (None, "/c/xa-a/stats"),
    (None, f"{API}/communes/xa-a/stats/public"),
]


@pytest.fixture
def village(world, join, make_staff) -> Village:
    return Village(world, join, make_staff)


def _shape(statement: str) -> str:
    """A statement without its parameter lists, to compare like with like."""
    return re.sub(r"IN \([^)]*\)", "IN (...)", " ".join(statement.split()))[:200]


def _growing(small: list[str], large: list[str]) -> list[str]:
    """The statements run more often with more items (their first words)."""
    before = Counter(_shape(statement) for statement in small)
    after = Counter(_shape(statement) for statement in large)
    return [shape for shape, times in sorted(after.items()) if times > before[shape]]


def _measure(village: Village, client: FlaskClient) -> dict[str, tuple[int, list[str]]]:
    measured = {}
    for who, path in LISTS:
        caller = village.world[who] if who else client
        measured[f"{who} {path}"] = queries(caller, path.format(big=village.big))
    return measured


def test_every_list_costs_the_same_number_of_queries_for_2_and_40_items(village, client):
    village.grow(SMALL)
    small = _measure(village, client)
    village.grow(LARGE - SMALL)
    large = _measure(village, client)
    report = {
        name: (small[name][0], large[name][0]) for name in small if small[name][0] != large[name][0]
    }
    for name in small:  # shown with -s: the figures for the record
        print(f"{small[name][0]:4d} {large[name][0]:4d}  {name}")
    details = "\n".join(
        f"{name}: {before} -> {after} queries; growing: {_growing(small[name][1], large[name][1])}"
        for name, (before, after) in report.items()
    )
    assert not report, f"lists whose cost grows with their length:\n{details}"
