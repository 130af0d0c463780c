"""Categories per commune: officials create, rename, reorder, archive; residents choose."""

from __future__ import annotations

from tests.threads.helpers import API, ask, call


def _names(client, slug="xa-a", **args) -> list[str]:
    response = call(client, "GET", f"{API}/communes/{slug}/categories", query_string=args)
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


DEFAULTS = ["Giao thông", "Ngập nước", "Rác thải", "Thủ tục hành chính", "An ninh trật tự", "Khác"]


def test_members_list_the_active_categories_in_order(world):
    assert _names(world["resident_a"]) == DEFAULTS
    assert _names(world["official_a"]) == DEFAULTS
    assert call(world["resident_b"], "GET", f"{API}/communes/xa-a/categories").status_code == 403
    assert call(world["admin"], "GET", f"{API}/communes/xa-a/categories").status_code == 403


def test_officials_create_rename_reorder_and_archive(world):
    official = world["official_a"]
    created = call(official, "POST", f"{API}/communes/xa-a/categories", json={"name": "Cây xanh"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["code"] == "cay-xanh" and body["position"] == 6 and body["archived"] is False
    tree = body["id"]
    assert _names(world["resident_a"])[-1] == "Cây xanh"

    clash = call(official, "POST", f"{API}/communes/xa-a/categories", json={"name": "giao thông"})
    assert clash.status_code == 409 and clash.get_json()["error"]["field"] == "name"
    empty = call(official, "POST", f"{API}/communes/xa-a/categories", json={"name": " "})
    assert empty.status_code == 422
    bad_code = call(
        official, "POST", f"{API}/communes/xa-a/categories", json={"name": "Điện", "code": "Đ!"}
    )
    assert bad_code.status_code == 422 and bad_code.get_json()["error"]["field"] == "code"

    renamed = call(
        official, "PATCH", f"{API}/categories/{tree}", json={"name": "Cây xanh, công viên"}
    )
    assert renamed.status_code == 200 and renamed.get_json()["code"] == "cay-xanh"
    moved = call(official, "PATCH", f"{API}/categories/{tree}", json={"position": 0})
    assert moved.get_json()["position"] == 0
    assert _names(world["resident_a"]) == ["Cây xanh, công viên", *DEFAULTS]

    waste = next(
        item["id"]
        for item in call(official, "GET", f"{API}/communes/xa-a/categories").get_json()["items"]
        if item["code"] == "waste"
    )
    archived = call(official, "PATCH", f"{API}/categories/{waste}", json={"archived": True})
    assert archived.get_json()["archived"] is True
    assert "Rác thải" not in _names(world["resident_a"])
    # Residents can no longer choose it; officials still see it with ?archived=1.
    refused = call(
        world["resident_a"],
        "POST",
        f"{API}/communes/xa-a/threads",
        json={"kind": "report", "body": "Rác", "category": waste},
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "category"
    assert _names(official, archived="1")[-1] == "Rác thải"
    assert _names(world["resident_a"], archived="1") == _names(world["resident_a"])
    restored = call(official, "PATCH", f"{API}/categories/{waste}", json={"archived": False})
    assert restored.get_json()["archived"] is False
    assert _names(world["resident_a"])[-1] == "Rác thải"

    for bad in ({"position": -1}, {"position": "1"}, {"archived": "yes"}, {"name": ""}):
        assert call(official, "PATCH", f"{API}/categories/{tree}", json=bad).status_code == 422


def test_other_communes_and_residents_cannot_change_categories(world):
    category = call(world["official_a"], "GET", f"{API}/communes/xa-a/categories").get_json()[
        "items"
    ][0]["id"]
    rename = {"name": "Đổi tên"}
    assert (
        call(world["official_b"], "PATCH", f"{API}/categories/{category}", json=rename).status_code
        == 404
    )
    assert (
        call(world["resident_a"], "PATCH", f"{API}/categories/{category}", json=rename).status_code
        == 403
    )
    assert (
        call(world["admin"], "PATCH", f"{API}/categories/{category}", json=rename).status_code
        == 404
    )
    new = {"name": "Mới"}
    assert (
        call(world["resident_a"], "POST", f"{API}/communes/xa-a/categories", json=new).status_code
        == 403
    )
    assert (
        call(world["official_b"], "POST", f"{API}/communes/xa-a/categories", json=new).status_code
        == 403
    )
    assert _names(world["resident_a"]) == DEFAULTS


def test_a_resident_chooses_a_category_when_asking(world):
    roads = call(world["resident_a"], "GET", f"{API}/communes/xa-a/categories").get_json()["items"][
        0
    ]
    thread = ask(world["resident_a"], "xa-a", "Đường hư", category=roads["id"])
    detail = call(world["resident_a"], "GET", f"{API}/threads/{thread}").get_json()
    assert detail["category"] == {
        "id": roads["id"],
        "code": "roads",
        "name": "Giao thông",
        "personal": False,
    }


def test_categories_page(world):
    official = world["official_a"]
    page = official.get("/w/xa-a/categories")
    assert page.status_code == 200 and "Giao thông" in page.text
    assert official.post("/w/xa-a/categories", data={"name": "Điện chiếu sáng"}).status_code == 303
    items = call(official, "GET", f"{API}/communes/xa-a/categories").get_json()["items"]
    light = items[-1]
    assert light["name"] == "Điện chiếu sáng" and light["code"] == "dien-chieu-sang"

    path = f"/w/xa-a/categories/{light['id']}"
    assert official.post(path, data={"position": "0"}).status_code == 303  # the ↑ button
    assert _names(world["resident_a"])[0] == "Điện chiếu sáng"
    assert official.post(path, data={"name": "Đèn đường"}).status_code == 303
    assert official.post(path, data={"archived": "1"}).status_code == 303
    assert "Đèn đường" not in _names(world["resident_a"])
    assert "Đèn đường" in official.get("/w/xa-a/categories").text
    duplicate = official.post("/w/xa-a/categories", data={"name": "Khác"})
    assert duplicate.status_code == 409 and 'role="alert"' in duplicate.text
    assert world["resident_a"].get("/w/xa-a/categories").status_code == 403
    assert world["official_b"].post(path, data={"archived": "0"}).status_code == 403
