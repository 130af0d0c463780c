"""Idempotency-Key on asking and replying: a repeat creates nothing and answers the first result;
the key belongs to one account; malformed, reused and old keys; two requests racing."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Account
from app.communes.models import Commune
from app.database import writing_transactions
from app.extensions import db
from app.models_base import utcnow
from app.threads.idempotency import IdempotencyKey, post_once
from app.threads.models import Reply, Thread
from app.threads.services import create_thread

KEY = "3f2a9c1e-7b4d-4e0a-9f6b-2c8d1e5a7b90"
QUESTION = {"kind": "question", "body": "Khi nào có lịch tiêm chủng tháng sau?"}


def ask(client, key: str | None = KEY, body: dict | None = None, slug: str = "xa-a"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/communes/{slug}/threads", json=body or QUESTION, headers=headers)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_repeat_returns_the_first_thread_and_creates_nothing(world):
    first = ask(world["resident_a"])
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    world["official_a"].post(
        f"/api/v1/threads/{first.get_json()['id']}/replies", json={"body": "Có"}
    )

    again = ask(world["resident_a"])
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["reply_count"] == 1  # the thread as it is now
    assert count(Thread) == 1


def test_a_repeated_reply_is_created_once(world):
    thread_id = ask(world["resident_a"], key=None).get_json()["id"]
    url = f"/api/v1/threads/{thread_id}/replies"
    headers = {"Idempotency-Key": KEY}
    first = world["resident_a2"].post(url, json={"body": "Tôi cũng muốn biết."}, headers=headers)
    again = world["resident_a2"].post(url, json={"body": "Tôi cũng muốn biết."}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count(Reply) == 1


def test_the_same_key_from_another_account_is_another_request(world):
    mine = ask(world["resident_a"])
    theirs = ask(world["resident_a2"])
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert count(Thread) == 2


def test_the_same_key_for_other_words_is_refused(world):
    ask(world["resident_a"])
    other = ask(world["resident_a"], body={"kind": "question", "body": "Một câu hỏi khác"})
    assert other.status_code == 422
    error = other.get_json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in error["message"]
    # Replying with a key already used to ask is another request too.
    thread_id = db.session.scalar(select(Thread.id))
    reply = world["resident_a"].post(
        f"/api/v1/threads/{thread_id}/replies", json={"body": "x"}, headers={"Idempotency-Key": KEY}
    )
    assert reply.status_code == 422
    assert reply.get_json()["error"]["code"] == "idempotency_key_reused"
    assert (count(Thread), count(Reply)) == (1, 0)


def test_the_same_key_in_another_commune_is_refused(world, join):
    resident = world["resident_a"]
    resident.post("/api/v1/join", json={"token": world["b"].join_token})
    assert ask(resident).status_code == 201
    assert ask(resident, slug="xa-b").status_code == 422


@pytest.mark.parametrize(
    "key",
    [
        "",
        "   ",
        "too-short",
        "x" * 65,
        "has spaces in the key",
        "khóa-có-dấu-tiếng-việt",
        "a/b+c=d" * 3,
    ],
)
def test_a_malformed_key_is_a_clear_422(world, key):
    response = ask(world["resident_a"], key=key)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["field"] == "Idempotency-Key"
    assert "16" in error["message"] and "64" in error["message"]
    assert count(Thread) == 0


def test_a_structured_field_string_key_is_the_same_key(world):
    first = ask(world["resident_a"], key=KEY)
    quoted = ask(world["resident_a"], key=f'"{KEY}"')
    assert quoted.status_code == 200 and quoted.get_json()["id"] == first.get_json()["id"]


def test_a_refused_attempt_leaves_the_key_unused(world):
    refused = ask(world["resident_a"], body={"kind": "question", "body": ""})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "body"
    assert ask(world["resident_a"]).status_code == 201
    assert count(IdempotencyKey) == 1


def test_unstorable_text_with_a_key_is_refused_not_a_crash(world):
    refused = ask(world["resident_a"], body={"kind": "question", "body": "lỗi \ud800"})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "body"


def test_without_a_key_every_request_posts(world):
    assert ask(world["resident_a"], key=None).status_code == 201
    assert ask(world["resident_a"], key=None).status_code == 201
    assert count(Thread) == 2 and count(IdempotencyKey) == 0


def test_a_key_older_than_a_week_is_forgotten(world):
    first = ask(world["resident_a"]).get_json()["id"]
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    again = ask(world["resident_a"])
    assert again.status_code == 201 and again.get_json()["id"] != first
    assert count(IdempotencyKey) == 1


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="JPEG")
    return out.getvalue()


def test_a_repeated_question_with_a_photo_is_created_once(world):
    def send(photo: bytes):
        return world["resident_a"].post(
            "/api/v1/communes/xa-a/threads",
            data={**QUESTION, "photo": (io.BytesIO(photo), "anh.jpg")},
            content_type="multipart/form-data",
            headers={"Idempotency-Key": KEY},
        )

    first = send(_jpeg((200, 40, 40)))
    again = send(_jpeg((200, 40, 40)))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["photo_url"] == first.get_json()["photo_url"]
    # Another photo with the same key and words is another request.
    assert send(_jpeg((40, 40, 200))).status_code == 422
    assert count(Thread) == 1


def test_deleting_the_account_forgets_its_keys(world):
    ask(world["resident_a"])
    assert world["resident_a"].delete("/api/v1/me").status_code == 204
    assert count(IdempotencyKey) == 0


def test_the_database_refuses_a_second_row_for_one_key(world):
    account_id = db.session.scalar(select(Account.id).where(Account.display_name == "Chị Lan"))
    for _ in range(2):
        db.session.add(IdempotencyKey(account_id=account_id, key=KEY, request_hash="0" * 64))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- The plain forms (no JavaScript) ------------------------------------------------------------


def form_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([\w-]+)"', page)
    assert match, "the form has no one-time key"
    return match.group(1)


def test_a_double_tapped_question_form_posts_once(world):
    resident = world["resident_a"]
    page = resident.get("/c/xa-a").get_data(as_text=True)
    key = form_key(page)
    assert key != form_key(resident.get("/c/xa-a").get_data(as_text=True))  # one per page
    form = {**QUESTION, "visibility": "public", "idempotency_key": key}
    first = resident.post("/c/xa-a/threads", data=form)
    second = resident.post("/c/xa-a/threads", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Thread) == 1


def test_a_double_tapped_reply_form_posts_once(world):
    thread_id = ask(world["resident_a"], key=None).get_json()["id"]
    official = world["official_a"]
    key = form_key(official.get(f"/t/{thread_id}").get_data(as_text=True))
    form = {"body": "Thứ Hai tuần sau, tại trạm y tế.", "idempotency_key": key}
    answers = [official.post(f"/t/{thread_id}/replies", data=form) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [303, 303]
    assert count(Reply) == 1


def test_a_form_sent_again_with_other_words_is_shown_again(world):
    """The Back button brings a page back with its used key: nothing is lost or posted twice;
    the form comes back with the words and a new key, to send on purpose."""
    resident = world["resident_a"]
    key = form_key(resident.get("/c/xa-a").get_data(as_text=True))
    resident.post("/c/xa-a/threads", data={**QUESTION, "idempotency_key": key})
    other = {"kind": "report", "body": "Đèn đường hẻm 7 bị hỏng.", "idempotency_key": key}
    again = resident.post("/c/xa-a/threads", data=other)
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert "Đèn đường hẻm 7 bị hỏng." in page
    assert "đã được gửi một lần" in page  # in Vietnamese, the default language
    new_key = form_key(page)
    assert new_key != key
    sent = resident.post("/c/xa-a/threads", data={**other, "idempotency_key": new_key})
    assert sent.status_code == 303
    assert count(Thread) == 2


def test_a_form_without_a_key_still_posts(world):
    """A page cached before keys existed has none."""
    response = world["resident_a"].post("/c/xa-a/threads", data=QUESTION)
    assert response.status_code == 303
    assert count(Thread) == 1


# --- Two attempts at the same time --------------------------------------------------------------


def _resident(name: str) -> tuple[Account, Commune]:
    account = db.session.scalar(select(Account).where(Account.display_name == name))
    commune = db.session.scalar(select(Commune).where(Commune.slug == "xa-a"))
    assert account is not None and commune is not None
    return account, commune


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
def test_a_request_racing_an_unfinished_one(app, world, first_ends):
    """The first attempt has created its thread but not committed when the second arrives: the
    second waits (PostgreSQL: on the unique key; SQLite: for the write lock). If the first
    commits, the second answers with its thread; if the first fails, the second posts. Never a
    duplicate, never an error."""
    account, commune = _resident("Chị Lan")
    account_id, commune_id = account.id, commune.id
    db.session.rollback()
    claimed, release = threading.Event(), threading.Event()

    def first_attempt() -> int:
        with app.app_context(), writing_transactions():
            me, here = db.session.get(Account, account_id), db.session.get(Commune, commune_id)
            thread, created = post_once(
                me,
                KEY,
                lambda: create_thread(here, me, QUESTION),
                operation=f"thread:{commune_id}",
                fields=QUESTION,
            )
            assert created
            claimed.set()
            release.wait(20)
            getattr(db.session, first_ends)()
            return thread.id

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(first_attempt)
        assert claimed.wait(20)
        second = pool.submit(ask, world["resident_a"])
        # The second waits while the first holds the key (or the write lock).
        with pytest.raises(TimeoutError):
            second.result(0.5)
        release.set()
        first_id = first.result(30)
        answer = second.result(30)
    if first_ends == "commit":
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["id"] == first_id
    else:
        assert answer.status_code == 201, answer.get_json()
    assert count(Thread) == 1
    assert db.session.scalar(select(IdempotencyKey.thread_id)) == answer.get_json()["id"]


def test_many_attempts_at_once_create_one_thread(app, world):
    cookie = world["resident_a"].get_cookie("cf_session")
    assert cookie is not None
    clients = []
    for _ in range(6):
        client = app.test_client()
        client.set_cookie("cf_session", cookie.value, domain=cookie.domain)
        clients.append(client)
    db.session.rollback()
    start = threading.Barrier(len(clients))

    def attempt(client):
        start.wait(10)
        return ask(client)

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(attempt, clients))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [201], [answer.get_json() for answer in answers]
    assert len({answer.get_json()["id"] for answer in answers}) == 1
    assert count(Thread) == 1
