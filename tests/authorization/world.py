"""The one world the authorization matrix runs in, built once and restored cheaply.

Commune A (``xa-a``, in An Giang) and commune B (``xa-b``, in Cà Mau), each with an official and
residents; a national admin, an admin of An Giang (A's area) and an admin of Cà Mau (B's, not
A's). In A: a public and a private thread by the author, a private thread by another resident, a
hidden thread, a thread with a photo and a voice note, replies (one hidden), a blocked member, a
canned reply, a category, an announcement; an invitation to A and an Open311 API client.

A request that succeeds may add, change or delete rows, and sign its caller out. Rebuilding the
world (nine sign-ins) after each would cost a second; ``World.restore`` instead compares every
table with the snapshot taken after the build and puts back only what differs: rows made since
are deleted, changed rows are set back, deleted rows inserted again (explicit ids, so the
sequences are not reset and no id is reissued). Plain SQL through SQLAlchemy Core: the same on
SQLite and PostgreSQL (the FTS5 index follows ``search_entry`` by its triggers).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Row, Table, and_, func, literal, select, union_all

from app.communes.areas import set_area
from app.extensions import db
from app.media.storage import content_type_of, media_storage
from tests.conftest import build_world, new_staff, sign_in
from tests.threads.audio import tiny_webm

# Every kind of caller the matrix knows; ``declarations.py`` gives each an outcome.
CALLERS = (
    "anonymous",
    "author",
    "resident_a2",
    "resident_b",
    "official_a",
    "official_b",
    "admin",
    "admin_area",
    "admin_elsewhere",
)
API = "/api/v1"
PROVINCE_A, PROVINCE_B = ("An Giang", "91"), ("Cà Mau", "96")


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    # The values a URL rule's parameters are filled with, by name (see declarations.py).
    ids: dict[str, Any]
    _rows: dict[str, dict[tuple[Any, ...], Row[Any]]] = field(default_factory=dict)
    _cookies: dict[str, dict[Any, Any]] = field(default_factory=dict)
    _media: dict[str, bytes] = field(default_factory=dict)

    def snapshot(self) -> None:
        """Remember every row, every media object and every client's cookies as they are now."""
        with db.engine.connect() as conn:
            self._rows = {table.name: _rows_of(conn, table) for table in _tables()}
        # A deleted account's voice notes go even where its posts stay: put back after.
        storage = media_storage()
        self._media = {item.key: storage.get(item.key) or b"" for item in storage.objects()}
        # Werkzeug keeps a client's cookies in ``_cookies``; a copy per client is the cheapest
        # way to undo a sign-out, a language switch or a new session cookie.
        self._cookies = {name: dict(client._cookies) for name, client in self.clients.items()}

    def restore_cookies(self) -> None:
        for name, client in self.clients.items():
            client._cookies = dict(self._cookies[name])

    def restore(self) -> None:
        """Put the database back as the snapshot found it, touching only what differs, and
        the media objects that went."""
        db.session.rollback()
        storage = media_storage()
        there = {item.key for item in storage.objects()}
        for key in self._media.keys() - there:
            storage.put(key, self._media[key], content_type_of(key))
        with db.engine.begin() as conn:
            now = {table.name: _rows_of(conn, table) for table in _tables()}
            # Parents first: a row inserted again may be the parent of a row set back.
            for table in _tables():
                then, current = self._rows[table.name], now[table.name]
                missing = [dict(then[key]._mapping) for key in then.keys() - current.keys()]
                if missing:
                    conn.execute(table.insert(), missing)
                for key in then.keys() & current.keys():
                    if then[key] != current[key]:
                        conn.execute(
                            table.update().where(_key_clause(table, key)),
                            dict(then[key]._mapping),
                        )
            # Children first: the new rows, once nothing old points at them any more.
            for table in reversed(_tables()):
                for key in now[table.name].keys() - self._rows[table.name].keys():
                    conn.execute(table.delete().where(_key_clause(table, key)))
        self.restore_cookies()

    def counts(self) -> dict[str, int]:
        """Every table's row count, in one query."""
        tables = _tables()
        query = union_all(
            *(
                select(literal(table.name).label("name"), func.count().label("rows")).select_from(
                    table
                )
                for table in tables
            )
        )
        with db.engine.connect() as conn:
            return {name: rows for name, rows in conn.execute(query)}


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _rows_of(conn: Any, table: Table) -> dict[tuple[Any, ...], Row[Any]]:
    key_columns = list(table.primary_key.columns)
    return {
        tuple(row._mapping[column.name] for column in key_columns): row
        for row in conn.execute(select(table))
    }


def _key_clause(table: Table, key: tuple[Any, ...]) -> Any:
    return and_(
        *(column == value for column, value in zip(table.primary_key.columns, key, strict=True))
    )


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    return response.get_json()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def build(app: Flask) -> World:
    """Build the world through the real endpoints, then take the snapshot."""
    people = build_world(app)
    a, b = people["a"], people["b"]
    # Two provinces of the 2025 list, as `communes import-official` would mark them.
    (a.province, a.province_code), (b.province, b.province_code) = PROVINCE_A, PROVINCE_B
    set_area(new_staff("admin.area@example.vn", admin=True), PROVINCE_A[1])
    set_area(new_staff("admin.elsewhere@example.vn", admin=True), PROVINCE_B[1])
    db.session.commit()
    clients = {
        "anonymous": app.test_client(),
        "author": people["resident_a"],
        "resident_a2": people["resident_a2"],
        "resident_b": people["resident_b"],
        "official_a": people["official_a"],
        "official_b": people["official_b"],
        "admin": people["admin"],
        "admin_area": sign_in(app, "admin.area@example.vn"),
        "admin_elsewhere": sign_in(app, "admin.elsewhere@example.vn"),
    }
    author, a2, official, admin = (
        clients["author"],
        clients["resident_a2"],
        clients["official_a"],
        clients["admin"],
    )

    def ask(client: FlaskClient, slug: str, body: str, visibility: str = "public") -> int:
        payload = {"kind": "question", "body": body, "visibility": visibility}
        return _created(client.post(f"{API}/communes/{slug}/threads", json=payload))["id"]

    def reply(client: FlaskClient, thread: int, body: str) -> int:
        return _created(client.post(f"{API}/threads/{thread}/replies", json={"body": body}))["id"]

    def me(client: FlaskClient) -> int:
        return client.get(f"{API}/me").get_json()["id"]

    blocked = app.test_client()
    _created(blocked.post(f"{API}/join", json={"token": a.join_token, "display_name": "Bị chặn"}))
    ids: dict[str, Any] = {
        "public": ask(author, "xa-a", "Đèn đường hẻm 3 bị hỏng."),
        "private": ask(author, "xa-a", "Hàng xóm đổ rác ra kênh (riêng tư).", "officials"),
        "private_a2": ask(a2, "xa-a", "Riêng tư của Anh Minh.", "officials"),
        "hidden": ask(author, "xa-a", "Bị ẩn"),
        "public_b": ask(clients["resident_b"], "xa-b", "Chuyện của xã B."),
        "author_id": me(author),
        "blocked_id": me(blocked),
        "official_a_id": me(official),
    }
    photo = author.post(
        f"{API}/communes/xa-a/threads",
        data={
            "kind": "report",
            "body": "Ngập nước trước chợ",
            "visibility": "officials",
            "photo": (io.BytesIO(_jpeg()), "ngap.jpg"),
            "voice": (io.BytesIO(tiny_webm()), "ghi-am.webm"),
        },
        content_type="multipart/form-data",
    )
    created = _created(photo)
    ids["photo_thread"], ids["photo"] = created["id"], created["photo_url"].rsplit("/", 1)[1]
    ids["voice"] = created["voice"]["url"].rsplit("/", 1)[1]
    ids["reply"] = reply(a2, ids["public"], "Trả lời của Anh Minh")
    ids["hidden_reply"] = reply(a2, ids["public"], "Trả lời bị ẩn")
    for path in (f"threads/{ids['hidden']}", f"replies/{ids['hidden_reply']}"):
        response = official.post(f"{API}/{path}/hide", json={"reason": "Ẩn"})
        assert response.status_code == 200, response.get_json()
    block = official.put(
        f"{API}/communes/xa-a/members/{ids['blocked_id']}/block", json={"reason": "Chặn"}
    )
    assert block.status_code == 200, block.get_json()
    ids["canned"] = _created(
        official.post(
            f"{API}/communes/xa-a/canned-replies",
            json={"title": "Mẫu", "body": "Cảm ơn anh/chị."},
        )
    )["id"]
    categories = official.get(f"{API}/communes/xa-a/categories").get_json()["items"]
    ids["category"] = categories[0]["id"]
    ids["announcement"] = _created(
        official.post(
            f"{API}/communes/xa-a/announcements",
            json={"title": "Lịch tiêm chủng", "body": "Thứ Bảy tại trạm y tế."},
        )
    )["id"]
    invitation = _created(
        admin.post(f"{API}/invites", json={"email": "moi@example.vn", "communes": ["xa-a"]})
    )
    ids["invitation"] = invitation["id"]
    ids["invite_token"] = invitation["invite_url"].rsplit("/", 1)[1]
    ids["api_client"] = _created(admin.post(f"{API}/open311/clients", json={"name": "Ứng dụng"}))[
        "id"
    ]
    ids["join_token"], ids["join_token_b"] = a.join_token, b.join_token
    ids["commune_a"], ids["commune_b"] = a.id, b.id
    # A day off of An Giang (code 91: A's province in the 2025 list), to take back.
    given = admin.post(f"{API}/provinces/91/days-off", json={"day": "2027-03-09", "name": "Bão"})
    assert given.status_code == 201, given.get_json()
    ids["day_off"] = "2027-03-09"
    db.session.rollback()
    world = World(app=app, clients=clients, ids=ids)
    world.snapshot()
    return world
