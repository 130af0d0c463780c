"""While asking: similar questions are suggested, and the location is added only from a tap."""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.conftest import Site, join, skip_reason, until

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]


def open_ask_form(page) -> None:
    page.evaluate("document.querySelector('details.ask').open = true")


def test_similar_questions_are_suggested_while_typing(phone, site: Site) -> None:
    context = phone()
    page = join(context, site)
    open_ask_form(page)
    page.fill("#body", "Đèn đường ở cầu Bình An bị hỏng từ tuần trước")
    page.click("details.ask button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    first = page.url.split("?", 1)[0]

    neighbour = join(phone(), site)
    open_ask_form(neighbour)
    neighbour.type("#body", "Đèn đường cầu Bình An hỏng", delay=10)
    until(neighbour, "!document.querySelector('[data-similar-box]').hidden")
    link = neighbour.locator("[data-similar-box] a").first
    assert first.endswith(link.get_attribute("href"))


def test_location_is_added_only_from_the_tap(phone, site: Site) -> None:
    context = phone(geolocation={"latitude": 9.6011, "longitude": 105.0727})
    page = join(context, site)
    open_ask_form(page)
    assert page.locator("[data-locate] button").is_visible()
    page.fill("#body", "Cây đổ chắn ngang đường liên ấp")
    page.check("input[name=kind][value=report]")
    # Nothing is asked, and nothing is sent, before the tap.
    assert page.evaluate("document.querySelector('[name=latitude]').value") == ""
    context.grant_permissions(["geolocation"])
    page.click("[data-locate] button")
    until(page, "document.querySelector('[name=latitude]').value !== ''")
    page.click("details.ask button[type=submit]")
    page.wait_for_url(re.compile(r"/t/\d+\?asked=1$"))
    thread_id = page.url.split("?", 1)[0].rsplit("/", 1)[1]
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    seen = requests.get(f"{site.url}/api/v1/threads/{thread_id}", cookies=cookies, timeout=10)
    assert seen.json()["location"]["latitude"] == pytest.approx(9.6011)
    assert seen.json()["location"]["longitude"] == pytest.approx(105.0727)

    # On the thread: the "Bản đồ" link is a real tap target, and the date has its full year.
    box = page.locator("a.map").bounding_box()
    assert page.inner_text("a.map") == "Bản đồ"
    assert box["height"] >= 44 and box["width"] >= 44
    assert re.search(r"\d{1,2}/\d{1,2}/20\d\d", page.inner_text("article small"))
