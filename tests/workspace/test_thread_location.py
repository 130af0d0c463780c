"""The officials' thread page shows where the report is, as the residents' page does."""

from __future__ import annotations

from tests.threads.helpers import ask

MAP = "https://www.openstreetmap.org/?mlat=9.60321&amp;mlon=105.12345#map=18/9.60321/105.12345"


def test_the_workspace_thread_shows_the_address_and_a_map_link(world):
    thread = ask(
        world["resident_a"],
        "xa-a",
        "Ổ gà lớn trước cổng trường",
        kind="report",
        address="Cổng trường tiểu học ấp 3",
        latitude=9.60321,
        longitude=105.12345,
    )
    staff_page = world["official_a"].get(f"/w/t/{thread}").text
    resident_page = world["resident_a"].get(f"/t/{thread}").text
    for page in (staff_page, resident_page):
        assert "Cổng trường tiểu học ấp 3" in page
        assert f'href="{MAP}"' in page
        assert ">Bản đồ</a>" in page


def test_no_location_no_line(world):
    thread = ask(world["resident_a"], "xa-a", "Xin hỏi thủ tục làm căn cước")
    assert "openstreetmap" not in world["official_a"].get(f"/w/t/{thread}").text
