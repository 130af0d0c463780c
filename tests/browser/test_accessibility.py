"""axe-core finds nothing wrong on any page, for residents and officials, at phone size; tap
targets are at least 44 px. Screenshots of the officials' inbox (SCREENSHOTS=1)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (
    AXE,
    IPHONE_UA,
    OFFICIAL,
    PASSWORD,
    SLUG,
    Site,
    join,
    screenshot,
    skip_reason,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason())),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (bin/browser)"),
]

# Every default rule, and tap targets of at least 44 px (WCAG 2.5.5) rather than axe's 24.
RUN_AXE = """async () => {
  axe.configure({ checks: [{ id: "target-size", options: { minSize: 44 } }] });
  const result = await axe.run(document, { rules: { "target-size": { enabled: true } } });
  return result.violations.map(v => ({
    rule: v.id,
    impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary),
  }));
}"""


def axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def auditor(phone, **options):
    """A phone whose pages accept the injected axe script (an inline script, which the site's
    CSP refuses; the other browser tests run with the CSP enforced)."""
    return phone(bypass_csp=True, **options)


def test_axe_on_every_page(phone, site: Site) -> None:
    problems: dict[str, list] = {}

    def check(name: str, page) -> None:
        found = axe(page)
        if found:
            problems[name] = found

    # Signed out: the join page, staff sign-in, the offline page, the home page.
    visitor = auditor(phone).new_page()
    for name, path in (("join", site.join_url), ("login", "/login"), ("offline", "/offline")):
        visitor.goto(path)
        check(name, visitor)
    visitor.goto("/")
    check("home", visitor)

    # A resident: the feed (invitation shown, ask form open), a thread, settings.
    resident_phone = auditor(phone)
    page = join(resident_phone, site, "Cô Tám")
    page.evaluate("document.querySelector('details.ask').open = true")
    check("feed", page)
    asked = page.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "question", "title": "Giờ làm việc", "body": "Thứ Bảy có làm việc không?"},
        headers={"Origin": site.url},
    ).json()
    official = site.official()
    official.post(
        f"{site.url}/api/v1/threads/{asked['id']}/replies",
        json={"body": "Sáng thứ Bảy có làm việc."},
        timeout=10,
    )
    official.patch(
        f"{site.url}/api/v1/threads/{asked['id']}",
        json={"status": "resolved", "note": "Đã trả lời."},
        timeout=10,
    )
    more = (("report", "Rác chưa được thu gom ở chợ."), ("question", "Làm giấy khai sinh cần gì?"))
    for kind, body in more:
        page.request.post(
            f"{site.url}/api/v1/communes/{SLUG}/threads",
            data={"kind": kind, "body": body},
            headers={"Origin": site.url},
        )
    page.goto(f"/t/{asked['id']}")
    check("thread", page)
    page.goto(f"/c/{SLUG}/settings")
    check("settings", page)
    page.goto(f"/c/{SLUG}")
    page.click("header nav a[hreflang=en]")
    page.wait_for_url(re.compile(rf"/c/{SLUG}$"))
    check("feed (English)", page)

    # An iPhone outside the Home Screen app: the illustrated guide.
    iphone = join(auditor(phone, user_agent=IPHONE_UA), site)
    check("feed (iPhone guide)", iphone)
    iphone.goto(f"/t/{asked['id']}")  # someone else's thread: follow and flag buttons
    check("thread (another resident)", iphone)

    # An official: the inbox, a thread with the status form, the feed with the announcement form.
    staff = auditor(phone).new_page()
    staff.goto(f"/login?next=/c/{SLUG}/inbox")
    staff.fill("#email", OFFICIAL)
    staff.fill("#password", PASSWORD)
    staff.click("main button[type=submit]")
    staff.wait_for_url(re.compile(rf"/w/{SLUG}$"))  # /c/<slug>/inbox leads to the one inbox
    check("inbox", staff)
    screenshot(staff, "inbox")
    staff.goto(f"/t/{asked['id']}")
    check("thread (official)", staff)
    staff.goto(f"/c/{SLUG}")
    staff.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    check("feed (official)", staff)

    # Issue 14: a duplicate and its link (both sides), the officials' overdue list.
    duplicate = page.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "question", "body": "Thứ Bảy xã có làm việc buổi sáng không?"},
        headers={"Origin": site.url},
    ).json()
    staff.goto(f"/w/t/{duplicate['id']}")
    check("workspace thread (duplicate form)", staff)
    staff.fill("#duplicate-of-id", str(asked["id"]))
    staff.click("#duplicate button[type=submit]")
    staff.wait_for_url(re.compile(rf"/w/t/{duplicate['id']}"))
    check("workspace thread (a duplicate)", staff)
    page.goto(f"/t/{duplicate['id']}")
    check("thread (a duplicate)", page)
    staff.goto(f"/w/{SLUG}/overdue")
    check("overdue", staff)

    assert problems == {}
