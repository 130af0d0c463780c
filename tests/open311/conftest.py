"""Open311 test data: reports (and questions) written straight into the database, as old rows
or many rows would be, with replies and status changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.communes.models import Commune
from app.extensions import db
from app.threads.models import Category, Reply, StatusChange, Thread

API = "/open311/v2"


@pytest.fixture
def make_thread(app) -> Callable[..., Thread]:
    """A public report of ``commune`` (committed) with one official reply and one status change
    with a note; keyword arguments override the thread's columns."""

    def make(commune: Commune, *, note: str = "Đã tiếp nhận.", **columns: object) -> Thread:
        category = db.session.scalars(
            select(Category).where(Category.commune_id == commune.id).order_by(Category.id)
        ).first()
        values: dict[str, object] = {
            "kind": "report",
            "visibility": "public",
            "status": "acknowledged",
            "body": "Đèn đường ấp 3 bị hỏng",
            "title": "Đèn đường",
            "category": category,
            "address": "Ấp 3",
            **columns,
        }
        thread = Thread(commune_id=commune.id, **values)
        db.session.add(thread)
        db.session.flush()
        db.session.add(Reply(thread_id=thread.id, author_role="official", body="Đã cử người."))
        db.session.add(
            StatusChange(thread_id=thread.id, from_status="new", to_status=thread.status, note=note)
        )
        db.session.commit()
        return thread

    return make
