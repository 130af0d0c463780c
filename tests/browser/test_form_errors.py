"""Refusals where the eye is (issue 17): the message is read out (role=alert), the field it is
about is marked invalid (aria-invalid, aria-describedby) and holds the cursor, on the question
and reply forms, with JavaScript (the outbox), without it (the page sent back), and for what the
outbox kept and the server refused later."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SLUG, Site, controlled, join, skip_reason

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]

REQUIRED = "Nội dung là bắt buộc."
FOCUSED = "[document.activeElement.id, document.activeElement.getAttribute('aria-invalid')]"
VISIBLE = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight;
}"""


def described_by(page, field: str) -> str:
    return page.evaluate(
        """(sel) => {
          const field = document.querySelector(sel);
          const ids = (field.getAttribute('aria-describedby') || '').split(' ');
          return ids.map(id => document.getElementById(id)?.textContent || '').join(' ').trim();
        }""",
        field,
    )


def ask_with_spaces(page) -> None:
    if page.locator("details.ask").get_attribute("open") is None:
        page.click("details.ask summary")
    page.fill("#body", "     ")
    page.click("details.ask button[type=submit]")


def test_a_question_of_spaces_puts_the_cursor_on_the_field_and_says_why(phone, site: Site) -> None:
    page = join(phone(), site)
    controlled(page)
    page.evaluate("scrollTo(0, document.body.scrollHeight)")
    ask_with_spaces(page)
    error = page.locator("#ask-error")
    error.wait_for()
    assert error.inner_text() == REQUIRED and error.get_attribute("role") == "alert"
    assert page.evaluate(FOCUSED) == ["body", "true"]
    assert described_by(page, "#body") == f"{REQUIRED} 0/4000 ký tự"  # and the count
    assert page.evaluate(VISIBLE, "#ask-error") and page.evaluate(VISIBLE, "#body")
    # Not flush with the top edge (its scroll-margin), where the fractions of a pixel of what
    # stands above it (other tests' announcements) could push its first line off the screen.
    assert page.evaluate("document.querySelector('#ask-error').getBoundingClientRect().top") >= 4

    # Corrected and sent: nothing invalid any more, on to the new thread.
    page.fill("#body", "Khi nào sửa cầu ấp 2?")
    page.click("details.ask button[type=submit]")
    page.wait_for_url("**/t/*")


def test_without_javascript_the_page_comes_back_with_the_field_focused(phone, site: Site) -> None:
    plain = join(phone(java_script_enabled=False), site)
    with plain.expect_navigation():
        ask_with_spaces(plain)
    assert plain.inner_text("#ask-error") == REQUIRED
    assert plain.get_attribute("#body", "aria-invalid") == "true"
    assert plain.get_attribute("#body", "autofocus") is not None
    assert described_by(plain, "#body") == REQUIRED


def test_a_reply_of_spaces_is_refused_at_the_field(phone, site: Site) -> None:
    page = join(phone(), site)
    controlled(page)
    thread = page.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "question", "body": "Hỏi về giờ làm việc"},
        headers={"Origin": site.url},
    ).json()
    page.goto(f"/t/{thread['id']}")
    page.fill("#reply-body", "   ")
    page.click("#replies button[type=submit]")
    page.locator("#reply-error").wait_for()
    assert page.inner_text("#reply-error") == "Nội dung phản hồi là bắt buộc."
    assert page.evaluate(FOCUSED) == ["reply-body", "true"]
    assert described_by(page, "#reply-body").startswith(page.inner_text("#reply-error"))


def test_a_refusal_from_the_outbox_goes_back_to_the_field(phone, site: Site) -> None:
    """Written offline, refused when the network came back: "Edit" puts it back in the form with
    the cursor on the field the server named."""
    context = phone()
    page = join(context, site)
    controlled(page)
    context.set_offline(True)
    page.evaluate("document.querySelector('details.ask').open = true")
    page.fill("#body", "Đường ấp 4 ngập")
    page.evaluate("document.querySelector('#title').removeAttribute('maxlength')")
    page.fill("#title", "x" * 201)
    page.click("details.ask button[type=submit]")
    page.locator("#outbox li.pending").wait_for()
    context.set_offline(False)
    edit = page.locator("#outbox li button")
    edit.wait_for()
    edit.click()
    error = page.locator("#ask-error")
    error.wait_for()
    assert "200" in error.inner_text()
    assert page.evaluate(FOCUSED) == ["title", "true"]
    assert described_by(page, "#title") == error.inner_text()
    assert page.input_value("#body") == "Đường ấp 4 ngập"


def test_characters_are_counted_as_they_type_and_a_long_text_is_refused(phone, site: Site) -> None:
    page = join(phone(), site)
    controlled(page)
    page.evaluate("document.querySelector('details.ask').open = true")
    count = page.locator("#body-count")
    assert count.inner_text() == "0/4000 ký tự"
    page.fill("#body", "Cầu ấp 2 gãy")
    assert count.inner_text() == "12/4000 ký tự"
    long = "a" * 5500
    page.fill("#body", long)
    assert count.inner_text() == "5500/4000 ký tự"
    assert "over" in count.get_attribute("class")
    assert "body-count" in page.get_attribute("#body", "aria-describedby")
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.click("details.ask button[type=submit]")
    error = page.locator("#ask-error")
    error.wait_for()
    assert error.inner_text() == "Nội dung phải có nhiều nhất 4000 ký tự."
    assert page.evaluate(FOCUSED) == ["body", "true"]
    assert described_by(page, "#body") == f"{error.inner_text()} 5500/4000 ký tự"
    assert page.input_value("#body") == long  # not cut
    page.wait_for_timeout(300)
    assert posts == [] and page.evaluate("self.CFOutbox.all()") == []

    # The reply form counts and refuses the same way.
    thread = page.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "question", "body": "Hỏi về điện"},
        headers={"Origin": site.url},
    ).json()
    page.goto(f"/t/{thread['id']}")
    page.fill("#reply-body", "b" * 4001)
    assert page.inner_text("#reply-body-count") == "4001/4000 ký tự"
    page.click("#replies button[type=submit]")
    page.locator("#reply-error").wait_for()
    assert page.inner_text("#reply-error") == "Nội dung phản hồi phải có nhiều nhất 4000 ký tự."
    assert page.evaluate(FOCUSED) == ["reply-body", "true"]
