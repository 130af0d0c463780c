"""Small helpers shared by the workspace tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.extensions import db
from app.membership.models import Membership
from app.models_base import utcnow
from app.push.models import PushSubscription
from app.threads.models import Thread

API = "/api/v1"


def call(client: FlaskClient, method: str, path: str, **kwargs: Any):
    """One request, then end the transaction as a real request's end does (the test client
    shares the test's session)."""
    response = client.open(path, method=method, **kwargs)
    db.session.rollback()
    return response


def ask(client: FlaskClient, slug: str, body: str, **fields: Any) -> int:
    payload = {"kind": "question", "body": body, "visibility": "public", **fields}
    response = call(client, "POST", f"{API}/communes/{slug}/threads", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def reply(client: FlaskClient, thread_id: int, body: str) -> int:
    response = call(client, "POST", f"{API}/threads/{thread_id}/replies", json={"body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def count(model: type, *where: Any) -> int:
    """Committed rows only: a fresh connection, outside the test's session."""
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


def me(client: FlaskClient) -> int:
    """The signed-in account's id."""
    return client.get(f"{API}/me").get_json()["id"]


def inbox_items(client: FlaskClient, **args: Any) -> list[dict[str, Any]]:
    response = call(client, "GET", f"{API}/inbox", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def establish(client: FlaskClient, thread_id: int, *, days: int = 8) -> None:
    """Make a member established (docs/workspace.md, "Flags and hiding"): a visible reply of
    their own in ``thread_id`` and a membership older than a week, so their flags count."""
    reply(client, thread_id, "Xin chào cả xóm.")
    commune_id = db.session.get(Thread, thread_id).commune_id
    db.session.execute(
        update(Membership)
        .where(Membership.account_id == me(client), Membership.commune_id == commune_id)
        .values(created_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


def stored_subscription(account_id: int) -> int:
    """A browser of the account, stored directly (its endpoint is never called: the tests read
    the deliveries written for it)."""
    subscription = PushSubscription(
        account_id=account_id,
        endpoint=f"https://push.example.net/{account_id}",
        p256dh="p" * 87,
        auth="a" * 22,
    )
    db.session.add(subscription)
    db.session.commit()
    return subscription.id
