"""Services emit the domain's signals; the subscribers (notifications, the search index) write
in the same transaction as the event, so a request that rolls back leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from blinker import Signal
from flask import Flask
from sqlalchemy import func, select

from app.accounts.models import Account
from app.extensions import db
from app.notifications import subscribers
from app.push.models import KIND_ANSWER, KIND_DISCUSSION, KIND_NEW_THREAD, PushMessage
from app.signals import announcement_posted, reply_added, status_changed, thread_created
from app.threads import indexing
from app.threads.models import Reply, SearchEntry, StatusChange, Thread
from app.threads.services import add_reply, change_status, create_thread

API = "/api/v1"


@contextmanager
def caught(signal: Signal) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """Every (sender, keyword arguments) the signal is sent with inside the block."""
    sent: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        sent.append((sender, kwargs))

    with signal.connected_to(receiver):
        yield sent


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _account(email: str | None = None, name: str | None = None) -> Account:
    query = select(Account)
    query = (
        query.where(Account.email == email) if email else query.where(Account.display_name == name)
    )
    return db.session.scalars(query).one()


def _ask(client) -> int:
    response = client.post(
        f"{API}/communes/xa-a/threads",
        json={"kind": "report", "title": "Ngập", "body": "Nước ngập hẻm 5."},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_each_event_sends_its_signal_once(world):
    with caught(thread_created) as created:
        thread_id = _ask(world["resident_a"])
    assert [(type(sender), kwargs) for sender, kwargs in created] == [(Thread, {})]
    assert created[0][0].id == thread_id

    with caught(reply_added) as replied:
        world["official_a"].post(f"{API}/threads/{thread_id}/replies", json={"body": "Đã nhận."})
    assert [type(sender) for sender, _kwargs in replied] == [Reply]

    with caught(status_changed) as changed:
        world["official_a"].patch(f"{API}/threads/{thread_id}", json={"status": "in_progress"})
    assert [(type(s), s.to_status) for s, _kwargs in changed] == [(StatusChange, "in_progress")]

    with caught(announcement_posted) as posted:
        response = world["official_a"].post(
            f"{API}/communes/xa-a/announcements", json={"title": "Họp", "body": "Họp dân."}
        )
        announcement_id = response.get_json()["id"]
        # An edit of the text is announced again; one of the pin alone is not.
        world["official_a"].patch(f"{API}/announcements/{announcement_id}", json={"pinned": True})
        world["official_a"].patch(f"{API}/announcements/{announcement_id}", json={"body": "Mới."})
    assert [sender.id for sender, _kwargs in posted] == [announcement_id, announcement_id]
    assert {kwargs["commune"].slug for _sender, kwargs in posted} == {"xa-a"}


def test_subscribers_write_in_the_services_transaction(app: Flask, world):
    """Nothing is committed by the services: the thread, its search entry and its message are
    in one transaction, and a rollback takes all of them away."""
    resident = _account(name="Chị Lan")
    official = _account(email="official.a@example.vn")
    with app.test_request_context():
        thread = create_thread(world["a"], resident, {"kind": "report", "body": "Đèn hỏng."})
        assert _count(SearchEntry) == 1
        assert db.session.scalars(select(PushMessage.kind)).all() == [KIND_NEW_THREAD]
        db.session.rollback()
        assert (_count(Thread), _count(SearchEntry), _count(PushMessage)) == (0, 0, 0)

        thread = create_thread(world["a"], resident, {"kind": "report", "body": "Đèn hỏng."})
        db.session.commit()
        add_reply(thread.id, resident, {"body": "Vẫn chưa sửa."})
        change_status(thread.id, official, {"status": "acknowledged"})
        assert _count(SearchEntry) == 2  # the thread and the reply
        kinds = sorted(db.session.scalars(select(PushMessage.kind)))
        assert kinds == sorted([KIND_NEW_THREAD, KIND_DISCUSSION, KIND_ANSWER])
        db.session.rollback()
        assert (_count(Reply), _count(StatusChange)) == (0, 0)
        assert (_count(SearchEntry), _count(PushMessage)) == (1, 1)


def test_a_request_that_rolls_back_leaves_no_message_and_no_index(world, monkeypatch):
    """The subscribers ran (their rows were there just before the commit), yet when the
    commit fails nothing of the event is kept."""
    seen: list[tuple[int, int]] = []
    real_commit = db.session.commit

    def failing_commit() -> None:
        seen.append((_count(PushMessage), _count(SearchEntry)))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = world["resident_a"].post(
        f"{API}/communes/xa-a/threads", json={"kind": "question", "body": "Giờ làm việc?"}
    )
    assert response.status_code == 500
    monkeypatch.setattr(db.session, "commit", real_commit)
    db.session.rollback()
    assert seen == [(1, 1)]
    assert (_count(Thread), _count(PushMessage), _count(SearchEntry)) == (0, 0, 0)


def test_connecting_again_changes_nothing(app: Flask, world):
    """Tests build many apps in one process: each connects the same receivers once."""
    signals = (thread_created, reply_added, status_changed, announcement_posted)
    before = [set(signal.receivers) for signal in signals]
    for other in (app, Flask("another")):
        subscribers.init_app(other)
        indexing.init_app(other)
    assert [set(signal.receivers) for signal in signals] == before
    _ask(world["resident_a"])
    assert (_count(PushMessage), _count(SearchEntry)) == (1, 1)
