"""A request filed through Open311 is a new thread like any other: the same signal, so the
same search entry and the same notification to the commune's officials."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.push.models import KIND_NEW_THREAD, PushMessage
from app.signals import thread_created
from app.threads.models import SearchEntry, Thread

API = "/open311/v2"


def test_a_filed_request_sends_thread_created_and_its_subscribers_run(client, world):
    created = world["admin"].post("/api/v1/open311/clients", json={"name": "Ứng dụng Phản ánh"})
    key = created.get_json()["api_key"]
    sent: list[Thread] = []

    def receiver(thread: Thread, **_kwargs: object) -> None:
        sent.append(thread)

    with thread_created.connected_to(receiver):
        response = client.post(
            f"{API}/requests.json",
            data={
                "api_key": key,
                "jurisdiction_id": "xa-a",
                "service_code": "roads",
                "address_string": "Ấp 3",
                "description": "Ổ gà lớn trước cổng trường",
            },
            headers={"Origin": ""},
        )
    assert response.status_code == 201, response.get_data(as_text=True)
    [thread] = db.session.scalars(select(Thread)).all()
    assert [item.id for item in sent] == [thread.id]
    [entry] = db.session.scalars(select(SearchEntry)).all()
    assert entry.thread_id == thread.id and entry.reply_id is None and "o ga" in entry.body
    [message] = db.session.scalars(select(PushMessage)).all()
    assert (message.kind, message.thread_id, message.actor_id) == (KIND_NEW_THREAD, thread.id, None)
