"""A resident whose cookie is gone, or who opens a neighbour's link, meets a residents' page
(what this is, scan the board or open the join link), not the staff sign-in (issue 17)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.threads.models import Thread

RESIDENT_PAGES = (
    "/c/xa-a",
    "/c/xa-a/settings",
    "/t/{thread}",
    "/photos/{photo}",
    # The printable board: a resident may be sent its link; officials find their sign-in there.
    "/communes/xa-a/board",
)


@pytest.fixture
def links(world) -> dict[str, str]:
    resident = world["resident_a"]
    thread = resident.post(
        "/api/v1/communes/xa-a/threads",
        json={"kind": "question", "body": "Khi nào sửa đường?", "visibility": "public"},
    ).get_json()["id"]
    # A photo link as a neighbour would copy it (the name is random; no file is needed here).
    db.session.get(Thread, thread).photo_name = "a" * 32 + ".jpg"
    db.session.commit()
    return {"thread": str(thread), "photo": "a" * 32 + ".jpg"}


@pytest.mark.parametrize("path", RESIDENT_PAGES)
def test_signed_out_resident_pages_explain_in_vietnamese(client, links, path):
    response = client.get(path.format(**links), headers={"Accept-Language": "vi"})
    assert response.status_code == 401
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "nhóm góp ý" in page
    assert "quét mã QR" in page
    assert "đường link tham gia" in page
    assert 'name="password"' not in page  # not the staff sign-in form


def test_unknown_commune_or_thread_gets_the_same_page(client, world):
    """Signed out, nothing tells a real group or thread from an unknown one."""
    for path in ("/c/khong-co", "/t/999999", "/photos/unknown.jpg"):
        response = client.get(path)
        assert response.status_code == 401, path


def test_the_page_leads_officials_to_their_sign_in(client, world):
    page = client.get("/c/xa-a").get_data(as_text=True)
    assert "/login?next=/c/xa-a" in page


@pytest.mark.parametrize("path", ("/c/xa-a/inbox", "/w/xa-a", "/account/security", "/admin"))
def test_officials_pages_keep_the_staff_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_signed_in_member_still_sees_the_group(world, links):
    resident = world["resident_a"]
    assert resident.get("/c/xa-a").status_code == 200
    assert resident.get(f"/t/{links['thread']}").status_code == 200
