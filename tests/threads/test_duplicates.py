"""Duplicates: similar open threads while a resident types (following one: test_follows.py)."""

from __future__ import annotations

from tests.threads.helpers import API, ask, call, reply


def _similar(client, q: str, slug: str = "xa-a") -> list[int]:
    response = call(client, "GET", f"{API}/communes/{slug}/similar", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_similar_open_threads_best_first(world):
    resident = world["resident_a"]
    flood = ask(resident, "xa-a", "Hẻm 5 đường Trần Phú bị ngập nước mỗi khi mưa")
    flood_other = ask(world["resident_a2"], "xa-a", "Ngập nước ở chợ")
    lamp = ask(resident, "xa-a", "Đèn đường hẻm 5 không sáng")
    resolved = ask(resident, "xa-a", "Ngập nước đường Trần Phú đã lâu")
    call(world["official_a"], "PATCH", f"{API}/threads/{resolved}", json={"status": "resolved"})
    ask(world["resident_b"], "xa-b", "Ngập nước đường Trần Phú ở xã B")

    typed = "Đường Trần Phú ngập nước"
    found = _similar(world["resident_a2"], typed)
    assert found[0] == flood  # the most words in common
    assert set(found) == {flood, flood_other, lamp}  # open threads of this group only
    assert resolved not in found
    # Typed without diacritics, it still finds them.
    assert _similar(world["resident_a2"], "tran phu ngap nuoc")[0] == flood
    # Short or empty text: nothing yet.
    assert _similar(world["resident_a2"], "ng") == []
    assert _similar(world["resident_a2"], "") == []
    too_long = call(world["resident_a2"], "GET", f"{API}/communes/xa-a/similar?q=" + "x" * 4001)
    assert too_long.status_code == 422


def test_similar_shows_only_what_the_member_may_see(world):
    private = ask(world["resident_a"], "xa-a", "Ngập nước nhà tôi", visibility="officials")
    public = ask(world["resident_a"], "xa-a", "Ngập nước hẻm 3")
    hidden = ask(world["resident_a"], "xa-a", "Ngập nước ngoài đồng")
    call(world["official_a"], "POST", f"{API}/threads/{hidden}/hide", json={"reason": "Trùng lặp"})
    hidden_reply_thread = ask(world["resident_a"], "xa-a", "Câu hỏi khác hẳn")
    reply_id = reply(world["resident_a2"], hidden_reply_thread, "ngập nước lụt lội")
    call(
        world["official_a"], "POST", f"{API}/replies/{reply_id}/hide", json={"reason": "Sai chủ đề"}
    )

    assert _similar(world["resident_a2"], "ngập nước") == [public]
    # The author sees their own private thread; never a hidden one, not even their own.
    assert set(_similar(world["resident_a"], "ngập nước")) == {public, private}
    assert set(_similar(world["official_a"], "ngập nước")) == {public, private}
    assert (
        call(world["resident_b"], "GET", f"{API}/communes/xa-a/similar?q=ngập").status_code == 403
    )


def test_similar_reads_its_query_with_one_model(world):
    """``?q=`` is ``SimilarQuery`` for the API, the page and the document; its length is
    checked after membership, so a stranger learns nothing from a long text."""
    long_text = "x" * 4001
    stranger = call(world["resident_b"], "GET", f"{API}/communes/xa-a/similar?q={long_text}")
    assert stranger.status_code == 403
    member = call(world["resident_a2"], "GET", f"{API}/communes/xa-a/similar?q={long_text}")
    assert member.status_code == 422 and member.get_json()["error"]["field"] == "q"
    page = world["resident_a2"].get(f"/w/xa-a/similar?q={long_text}")
    assert page.status_code == 422
    assert member.get_json()["error"]["message"] in page.text
    assert world["resident_a2"].get("/w/xa-a/similar").status_code == 200  # no text: none yet
    document = world["resident_a2"].get(f"{API}/openapi.json").get_json()
    (parameter,) = document["paths"]["/communes/{slug}/similar"]["get"]["parameters"][1:]
    assert parameter["name"] == "q"
    assert parameter["schema"] == {"type": "string", "maxLength": 4000}
