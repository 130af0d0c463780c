"""Where a sign-in or a language switch may send people next: this site's own pages only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/ /evil.example",
        "https://evil.example/",
        "evil.example",
        "javascript:alert(1)",
        "/\x00/evil.example",
        "",
        None,
    ],
)
def test_anything_that_could_leave_the_site_goes_home(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/admin/stats", "/c/xa-a?joined=1", "/t/5#replies", "/"])
def test_local_paths_are_followed(target):
    assert safe_next(target, "/home") == target


@given(st.text(max_size=40))
def test_the_answer_is_always_a_local_path(target):
    answer = safe_next(target, "/home")
    assert answer.startswith("/") and not answer.startswith("//")
    assert not any(ch.isspace() or ch == "\\" for ch in answer)


def test_sign_in_does_not_follow_a_disguised_host(client, make_staff):
    make_staff("canbo@example.vn")
    from tests.conftest import PASSWORD

    response = client.post(
        "/login?next=/%09/evil.example", data={"email": "canbo@example.vn", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert "evil" not in response.headers["Location"]
    switched = client.get("/lang/en?next=/%09/evil.example")
    assert "evil" not in switched.headers["Location"]
