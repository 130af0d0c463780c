"""The outbox's Idempotency-Key in chromium: a question whose first send reached the server but
whose answer was lost is sent again with the same key, and is posted once."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SLUG, Site, join, skip_reason, until

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]


def test_a_lost_answer_does_not_post_twice(phone, site: Site) -> None:
    # Without the service worker, the page itself sends (Playwright sees every request).
    context = phone(service_workers="block")
    page = join(context, site, "Chú Năm")
    keys: list[str | None] = []

    def lose_the_first_answer(route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the question reaches the server ...
            route.abort("connectionreset")  # ... and its answer is lost on the way back
        else:
            route.continue_()

    page.route(f"**/api/v1/communes/{SLUG}/threads", lose_the_first_answer)
    body = "Cầu khỉ ấp 4 bị gãy một nhịp (câu trả lời đầu bị mất)."
    page.evaluate("document.querySelector('details.ask').open = true")
    page.fill("#body", body)
    page.click("details.ask button[type=submit]")
    page.locator("details.ask [data-saved]").wait_for()  # as far as the phone knows: not sent
    assert page.locator("#outbox li.pending").count() == 1

    # The next try (here: the page opened again) sends the same item with the same key.
    page.reload()
    page.locator("#outbox li:not(.pending) a").wait_for()
    until(page, "self.CFOutbox.all().then(items => items.length === 0)")
    official = site.official()
    items = official.get(f"{site.url}/api/v1/communes/{SLUG}/threads?limit=100", timeout=10).json()
    mine = [item for item in items["items"] if item["body"] == body]
    assert len(mine) == 1
    assert len(keys) == 2 and keys[0] == keys[1]
    assert re.fullmatch(r"[0-9a-f]{32}", keys[0] or "")
    assert page.locator("#outbox a").get_attribute("href") == f"/t/{mine[0]['id']}"
