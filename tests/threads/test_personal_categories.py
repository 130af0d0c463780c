"""A category may say its matters are personal (issue 17): a new question in it is for the
officials only unless its author chooses otherwise."""

from __future__ import annotations

from tests.threads.helpers import API, call


def _category(client, code: str) -> dict:
    items = call(client, "GET", f"{API}/communes/xa-a/categories").get_json()["items"]
    return next(item for item in items if item["code"] == code)


def test_a_personal_category_makes_new_questions_officials_only_by_default(world):
    official, resident = world["official_a"], world["resident_a"]
    procedures = _category(resident, "procedures")
    assert procedures["personal"] is False
    marked = call(
        official, "PATCH", f"{API}/categories/{procedures['id']}", json={"personal": True}
    )
    assert marked.status_code == 200 and marked.get_json()["personal"] is True
    assert _category(resident, "procedures")["personal"] is True

    def asked(**fields) -> str:
        payload = {"kind": "question", "body": "Làm lại giấy khai sinh", **fields}
        answer = call(resident, "POST", f"{API}/communes/xa-a/threads", json=payload)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["visibility"]

    assert asked(category=procedures["id"]) == "officials"
    assert asked(category=procedures["id"], visibility="public") == "public"  # chosen
    assert asked(category=_category(resident, "roads")["id"]) == "public"

    refused = call(
        official, "PATCH", f"{API}/categories/{procedures['id']}", json={"personal": "yes"}
    )
    assert refused.status_code == 422


def test_the_form_marks_personal_categories(world):
    official, resident = world["official_a"], world["resident_a"]
    waste = _category(resident, "waste")
    call(official, "PATCH", f"{API}/categories/{waste['id']}", json={"personal": True})
    page = call(resident, "GET", "/c/xa-a").get_data(as_text=True)
    assert f'<option value="{waste["id"]}" data-personal>' in page
