"""What Open311 publishes: public reports only, never their author, never questions, posts for
officials only or hidden posts; and a commune can turn it off (issue 12, item 8)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from app.models_base import utcnow
from tests.open311.conftest import API
from tests.threads.test_photos import jpeg_with_gps, post_photo


def listed(client, query: str = "jurisdiction_id=xa-a") -> list[str]:
    return [item["service_request_id"] for item in client.get(f"{API}/requests.json?{query}").json]


def post(resident, slug: str = "xa-a", **fields) -> str:
    response = resident.post(f"/api/v1/communes/{slug}/threads", json=fields)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def test_only_public_reports_are_published(client, world):
    resident = world["resident_a"]
    report = post(resident, kind="report", body="Ổ gà trước chợ")
    question = post(resident, kind="question", body="Khi nào làm căn cước?")
    private = post(resident, kind="report", body="Nhà hàng xóm", visibility="officials")
    assert listed(client) == [report]
    assert listed(client, "") == [report]  # every commune
    assert listed(client, f"service_request_id={report},{question},{private}") == [report]
    assert client.get(f"{API}/requests/{question}.json").status_code == 404
    assert client.get(f"{API}/requests/{private}.xml").status_code == 404


def test_hidden_reports_are_never_published(client, world):
    report = post(world["resident_a"], kind="report", body="Bán hàng rong")
    hidden = world["official_a"].post(
        f"/api/v1/threads/{report}/hide", json={"reason": "Không phải phản ánh"}
    )
    assert hidden.status_code in (200, 204), hidden.get_json()
    assert listed(client) == []
    assert listed(client, f"service_request_id={report}") == []
    assert client.get(f"{API}/requests/{report}.json").status_code == 404


def test_the_author_is_never_published(client, world):
    report = post(world["resident_a"], kind="report", body="Cây đổ chắn đường")
    for fmt in ("json", "xml"):
        body = client.get(f"{API}/requests/{report}.{fmt}").get_data(as_text=True)
        assert "Chị Lan" not in body
        assert "author" not in body and "account" not in body
    [item] = client.get(f"{API}/requests/{report}.json").get_json()
    assert item["description"] == "Cây đổ chắn đường"


@pytest.mark.parametrize("way", ["console", "api"])
def test_a_commune_turns_publication_off_and_on(client, world, way):
    report = post(world["resident_a"], kind="report", body="Nước ngập đường")
    post(world["resident_b"], "xa-b", kind="report", body="Cầu yếu")  # the setting is per commune
    admin = world["admin"]

    def publish(on: bool) -> None:
        if way == "console":
            form = {"open311_public": "on"} if on else {}
            response = admin.post("/admin/communes/xa-a/open311", data=form)
            assert response.status_code == 303
        else:
            response = admin.patch("/api/v1/communes/xa-a", json={"open311_public": on})
            assert response.status_code == 200
            assert response.get_json()["open311_public"] is on

    publish(False)
    assert listed(client) == []
    assert client.get(f"{API}/requests/{report}.json").status_code == 404
    assert len(listed(client, "")) == 1  # xa-b still publishes
    # Reports are still filed and still reach the officials; only the listing stops.
    assert client.get(f"{API}/services.json?jurisdiction_id=xa-a").status_code == 200
    publish(True)
    assert listed(client) == [report]
    changes = db.session.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.action == "commune.update")
        .order_by(AuditEvent.id)
    ).all()
    assert [json.loads(detail) for detail in changes] == [
        {"open311_public": [True, False]},
        {"open311_public": [False, True]},
    ]


def test_the_console_shows_the_setting(world):
    page = world["admin"].get("/admin/communes/xa-a").get_data(as_text=True)
    assert 'name="open311_public" checked' in page
    db.session.get(Commune, world["a"].id).open311_public = False
    db.session.commit()
    page = world["admin"].get("/admin/communes/xa-a").get_data(as_text=True)
    assert 'name="open311_public">' in page


def test_only_admins_of_the_area_change_it(world):
    for who in ("official_a", "resident_a"):
        response = world[who].post("/admin/communes/xa-a/open311", data={})
        assert response.status_code in (403, 404)
        api = world[who].patch("/api/v1/communes/xa-a", json={"open311_public": False})
        assert api.status_code in (403, 404)
    assert db.session.get(Commune, world["a"].id).open311_public is True


@pytest.mark.parametrize("value", ["no", 0, None, "false"])
def test_the_api_wants_a_boolean(world, value):
    response = world["admin"].patch("/api/v1/communes/xa-a", json={"open311_public": value})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "open311_public"


def test_new_communes_publish_by_default(make_commune):
    assert make_commune("xa-moi", "Xã Mới").open311_public is True


def test_an_old_hidden_row_stays_out_of_xml_too(client, world, make_thread):
    make_thread(world["a"], hidden_at=utcnow(), hidden_reason="spam")
    make_thread(world["a"], kind="question")
    make_thread(world["a"], visibility="officials")
    shown = make_thread(world["a"])
    root = ET.fromstring(client.get(f"{API}/requests.xml?jurisdiction_id=xa-a").data)
    assert [node.findtext("service_request_id") for node in root] == [str(shown.id)]


@pytest.mark.parametrize("media", ["local"], indirect=True)
def test_a_published_photo_is_public_while_its_report_is(app, client, world, media):
    """``media_url`` opens without a session (the group's /photos/ needs a member's), and
    stops once the report is hidden; a private post's photo is never served there."""
    resident = world["resident_a"]
    report = str(post_photo(resident, "xa-a", jpeg_with_gps(800, 600)).get_json()["id"])
    private = post_photo(resident, "xa-a", jpeg_with_gps(800, 600), visibility="officials")
    private_name = private.get_json()["photo_url"].removeprefix("/photos/")
    [item] = client.get(f"{API}/requests/{report}.json").get_json()
    url = item["media_url"]
    assert url.startswith("http") and "/open311/v2/media/" in url
    path = "/" + url.split("/", 3)[3]
    anonymous = app.test_client()
    photo = anonymous.get(path)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data[:2] == b"\xff\xd8" and b"Exif" not in photo.data[:4096]
    assert photo.headers["Cache-Control"] == "public, max-age=300"
    assert anonymous.get(f"{API}/media/{private_name}").status_code == 404
    world["official_a"].post(f"/api/v1/threads/{report}/hide", json={"reason": "Không phù hợp"})
    gone = anonymous.get(path)
    assert gone.status_code == 404 and gone.get_json()[0]["code"] == 404
