"""A commune's read version (app/read_versions.py) is new after every change a reader of its
group may see, whether written through the ORM or by a bulk statement, and only its own; the
feed's cached answers (app/read_cache.py) never serve one reader another's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.membership.models import Membership
from app.models_base import utcnow
from app.privacy.services import delete_account
from app.threads.models import Category, Thread
from tests.threads.helpers import API, ask, call, me, reply

FEED = f"{API}/communes/xa-a/threads"
PAGE = "/c/xa-a"


def version(slug: str) -> int:
    """The committed version: a fresh connection, outside the test's session."""
    with db.engine.connect() as conn:
        return conn.scalar(select(Commune.read_version).where(Commune.slug == slug))


def ok(response) -> dict:
    assert response.status_code in (200, 201, 204), response.get_data(as_text=True)[:300]
    return response.get_json() or {}


def _reply(world, thread: int) -> None:
    reply(world["official_a"], thread, "Xã đã tiếp nhận.")


def _status(world, thread: int) -> None:
    body = {"status": "resolved"}
    ok(call(world["official_a"], "PATCH", f"{API}/threads/{thread}", json=body))


def _hide(world, thread: int) -> None:
    body = {"reason": "Nội dung không phù hợp"}
    ok(call(world["official_a"], "POST", f"{API}/threads/{thread}/hide", json=body))


def _me_too(world, thread: int) -> None:
    ok(call(world["resident_a"], "POST", f"{API}/threads/{thread}/support"))


def _confirmation(world, thread: int) -> None:
    _status(world, thread)
    before = version("xa-a")
    body = {"fixed": True, "rating": 5}
    ok(call(world["resident_a2"], "POST", f"{API}/threads/{thread}/confirmation", json=body))
    assert version("xa-a") != before


def _rename_category(world, thread: int) -> None:
    category = db.session.scalars(
        select(Category).where(Category.commune_id == world["a"].id)
    ).first()
    category.name = "Đường sá và cầu cống"
    db.session.commit()


def _announce(world, thread: int) -> None:
    body = {"title": "Lịch cắt điện", "body": "Thứ Hai, 7 giờ đến 11 giờ."}
    ok(call(world["official_a"], "POST", f"{API}/communes/xa-a/announcements", json=body))


def _display_name(world, thread: int) -> None:
    account = db.session.get(Account, me(world["resident_a2"]))
    account.display_name = "Anh Minh Tuấn"
    db.session.commit()


def _role(world, thread: int) -> None:
    account_id = me(world["resident_a2"])
    membership = db.session.scalars(
        select(Membership).where(
            Membership.account_id == account_id, Membership.commune_id == world["a"].id
        )
    ).one()
    membership.role = "official"
    db.session.commit()


def _private_thread(world, thread: int) -> None:
    ask(world["resident_a2"], "xa-a", "Nhà tôi bị mất trộm", visibility="officials")


def _bulk_update(world, thread: int) -> None:
    # As the overdue and escalation claims write: a bulk UPDATE, no ORM object.
    db.session.execute(update(Thread).where(Thread.id == thread).values(urgent=True))
    db.session.commit()


def _erasure(world, thread: int) -> None:
    # Privacy's deletion detaches or deletes posts with bulk statements.
    delete_account(db.session.get(Account, me(world["resident_a2"])), delete_posts=True)
    db.session.commit()


CHANGES: dict[str, Callable[[dict, int], None]] = {
    "a reply": _reply,
    "a status change": _status,
    "hiding a thread": _hide,
    "a me too": _me_too,
    "a confirmation": _confirmation,
    "a category's new name": _rename_category,
    "an announcement": _announce,
    "a member's display name": _display_name,
    "a member's role": _role,
    "another resident's private thread": _private_thread,
    "a bulk update of a thread": _bulk_update,
    "an account's erasure": _erasure,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_a_reader_may_see_gives_a_new_version_and_tag(world, change):
    resident = world["resident_a"]
    thread = ask(world["resident_a2"], "xa-a", "Cầu khỉ ấp 4 bị gãy")
    tags = {path: ok_tag(resident, path) for path in (FEED, PAGE)}
    before, other = version("xa-a"), version("xa-b")
    CHANGES[change](world, thread)
    assert version("xa-a") != before
    assert version("xa-b") == other  # another commune's answers stay
    for path, tag in tags.items():
        again = call(resident, "GET", path, headers={"If-None-Match": tag})
        assert again.status_code == 200, (path, change)
        assert again.headers["ETag"] != tag


def ok_tag(client, path: str) -> str:
    response = call(client, "GET", path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.headers["ETag"]


def test_what_no_reader_sees_keeps_the_version(world):
    resident = world["resident_a"]
    thread = ask(resident, "xa-a", "Đèn đường thôn 3 không sáng")
    before = version("xa-a")
    ok(call(world["official_a"], "GET", f"{API}/threads/{thread}"))  # read by an official
    ok(call(resident, "POST", f"{API}/threads/{thread}/follow"))
    ok(call(resident, "GET", FEED))
    assert version("xa-a") == before


def test_a_rolled_back_change_leaves_the_version(world):
    thread = ask(world["resident_a"], "xa-a", "Đèn đường thôn 3 không sáng")
    before = version("xa-a")
    db.session.get(Thread, thread).status = "resolved"
    db.session.flush()
    db.session.rollback()
    assert version("xa-a") == before


def test_a_cached_answer_is_only_its_readers(world):
    """The same URL, the same version: each resident sees their own private thread and their
    own "me too", never the other's."""
    resident, neighbour = world["resident_a"], world["resident_a2"]
    mine = ask(resident, "xa-a", "Nhà tôi bị mất trộm", visibility="officials")
    public = ask(neighbour, "xa-a", "Đèn đường hỏng")
    ok(call(resident, "POST", f"{API}/threads/{public}/support"))
    for _ in range(2):  # the second read comes from the cache
        own = {item["id"]: item for item in ok(call(resident, "GET", FEED))["items"]}
        theirs = {item["id"]: item for item in ok(call(neighbour, "GET", FEED))["items"]}
        assert mine in own and mine not in theirs
        assert own[public]["supported"] is True and theirs[public]["supported"] is False
        assert "Nhà tôi bị mất trộm" in call(resident, "GET", PAGE).get_data(as_text=True)
        assert "Nhà tôi bị mất trộm" not in call(neighbour, "GET", PAGE).get_data(as_text=True)


def test_an_expiring_announcement_ends_the_pages_answer(world, monkeypatch):
    from app import read_cache
    from app.announcements import validators

    official, resident = world["official_a"], world["resident_a"]
    soon = (utcnow() + timedelta(days=1)).isoformat()
    body = {"title": "Cắt điện", "body": "Thứ Hai.", "expires_at": soon}
    ok(call(official, "POST", f"{API}/communes/xa-a/announcements", json=body))
    page = call(resident, "GET", PAGE)
    assert "Cắt điện" in page.get_data(as_text=True)
    later = utcnow() + timedelta(days=2)
    for module in (read_cache, validators):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    monkeypatch.setattr("app.announcements.services.utcnow", lambda: later)
    monkeypatch.setattr("app.threads.routes.utcnow", lambda: later)
    again = call(resident, "GET", PAGE, headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 200
    assert "Cắt điện" not in again.get_data(as_text=True)


def test_a_signed_out_or_foreign_reader_gets_no_cached_answer(world, client):
    ok(call(world["resident_a"], "GET", FEED))
    assert call(client, "GET", FEED).status_code == 401
    assert call(world["resident_b"], "GET", FEED).status_code == 403
    assert call(world["resident_b"], "GET", PAGE).status_code == 403
    assert call(world["resident_a"], "GET", f"{API}/communes/xa-none/threads").status_code == 404


def test_a_name_change_reaches_communes_where_the_account_only_signs_posts(world):
    """An official taken off a commune keeps their answers there: their new name is news."""
    official = world["official_a"]
    thread = ask(world["resident_a"], "xa-a", "Đèn đường thôn 3 không sáng")
    reply(official, thread, "Xã đã tiếp nhận.")
    account_id = me(official)
    db.session.execute(Membership.__table__.delete().where(Membership.account_id == account_id))
    db.session.commit()
    before = version("xa-a")
    db.session.get(Account, account_id).display_name = "Cán bộ Hùng"
    db.session.commit()
    assert version("xa-a") != before
