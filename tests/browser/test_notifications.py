"""Notifications: the invitation after joining (permission asked only on a tap), the iPhone
guide, the service worker's push / notificationclick / pushsubscriptionchange handlers.

Chromium here has no push service: ``pushManager.subscribe()`` fails. The enable flow is run
against a stand-in ``PushManager`` (an endpoint on 127.0.0.1, which the test server allows, and
real P-256 keys), and push events are delivered through the DevTools protocol
(``ServiceWorker.deliverPushMessage``) to the real service worker.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.push.payloads import build_payload
from tests.browser.conftest import (
    IPHONE_UA,
    SLUG,
    Site,
    controlled,
    join,
    screenshot,
    skip_reason,
    until,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(skip_reason()), reason=str(skip_reason()))]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_subscription() -> dict:
    """What PushSubscription.toJSON() gives: an endpoint (on 127.0.0.1, which the test server
    allows; nothing is sent to it here) and a real P-256 key and auth secret."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return {
        "endpoint": f"http://127.0.0.1:9/push/{b64url(os.urandom(12))}",
        "expirationTime": None,
        "keys": {
            "p256dh": b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "auth": b64url(os.urandom(16)),
        },
    }


# A stand-in PushManager for the page (and the worker), and a count of permission requests.
STAND_IN = """
(() => {
  const json = %s;
  let current = %s ? { ...json, toJSON: () => json } : null;
  self.pushCalls = { subscribe: 0, keyLength: 0, asked: 0 };
  PushManager.prototype.subscribe = async function (options) {
    self.pushCalls.subscribe += 1;
    self.pushCalls.keyLength = new Uint8Array(options.applicationServerKey).length;
    current = { ...json, toJSON: () => json };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
  if (self.Notification && Notification.requestPermission) {
    const ask = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = (...args) => {
      self.pushCalls.asked += 1;
      return ask(...args);
    };
  }
})();
"""


def stand_in(subscription: dict, *, existing: bool = False) -> str:
    return STAND_IN % (json.dumps(subscription), "true" if existing else "false")


def subscribed(site: Site, endpoint: str) -> bool:
    return bool(site.query("SELECT 1 FROM push_subscription WHERE endpoint = ?", endpoint))


def wait_until(page, check, timeout: float = 10.0) -> None:
    """Poll a Python check; waiting through the page lets Playwright deliver its events."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def test_invitation_after_joining_asks_only_on_a_tap(phone, site: Site) -> None:
    subscription = fake_subscription()
    context = phone()
    context.add_init_script(stand_in(subscription))
    page = join(context, site, "Chị Hai")
    invitation = page.locator("#notify")
    assert invitation.is_visible() and page.locator("#push-on").is_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("[Notification.permission, self.pushCalls.asked]") == ["default", 0]
    screenshot(page, "feed")

    # The person taps "turn on" and allows: subscribed with the server's key, and told it.
    context.grant_permissions(["notifications"], origin=site.url)
    page.click("#push-on")
    until(page, "document.querySelector('#push-state').textContent !== ''")
    assert page.evaluate("self.pushCalls") == {"subscribe": 1, "keyLength": 65, "asked": 1}
    assert page.locator("[data-step=ask]").is_hidden() and page.locator("#push-later").is_hidden()
    wait_until(page, lambda: subscribed(site, subscription["endpoint"]))

    # The server forgets it (e.g. a cleanup); the next time the app opens, it is told again.
    site_delete = page.request.delete(
        f"{site.url}/api/v1/push/subscriptions",
        data={"endpoint": subscription["endpoint"]},
        headers={"Origin": site.url},
    )
    assert site_delete.status == 204 and not subscribed(site, subscription["endpoint"])
    again = context.new_page()
    again.goto(f"/c/{SLUG}")
    wait_until(page, lambda: subscribed(site, subscription["endpoint"]))
    assert again.locator("#notify").is_hidden()  # already on: no invitation


def test_settings_show_this_phones_notification_state(phone, site: Site) -> None:
    context = phone()
    context.add_init_script(stand_in(fake_subscription(), existing=True))
    page = join(context, site)
    page.goto(f"/c/{SLUG}/settings")
    assert page.locator("#push-on").is_visible()  # not yet allowed: the button
    context.grant_permissions(["notifications"], origin=site.url)
    page.reload()
    # Allowed, and the page tells the server of the subscription: then, and only then, "on".
    until(page, "document.querySelector('#push-state').textContent !== ''")
    state = page.locator("#push-state")
    assert state.inner_text() == page.get_attribute("#notify", "data-on")
    assert page.get_attribute("#notify", "data-push") == "off"  # as the page was made
    page.reload()
    assert page.get_attribute("#notify", "data-push") == "on"
    screenshot(page, "settings")


def test_allowed_but_not_held_by_the_server_is_not_on(phone, site: Site) -> None:
    """The browser allows notifications but the server cannot be told (unreachable, refusing):
    Settings does not say "on"; it offers the button again, which works once the server does."""
    subscription = fake_subscription()
    context = phone()
    context.add_init_script(stand_in(subscription, existing=True))
    page = join(context, site)
    context.grant_permissions(["notifications"], origin=site.url)
    page.route("**/api/v1/push/subscriptions", lambda route: route.fulfill(status=503))
    page.goto(f"/c/{SLUG}/settings")
    until(page, "document.querySelector('#push-state').textContent !== ''")
    assert page.inner_text("#push-state") == page.get_attribute("#notify", "data-failed")
    assert page.locator("#push-on").is_visible() and page.locator("#push-on").is_enabled()
    assert not subscribed(site, subscription["endpoint"])

    page.unroute("**/api/v1/push/subscriptions")
    page.click("#push-on")
    until(
        page,
        "document.querySelector('#push-state').textContent.length > 0 && "
        "document.querySelector('[data-step=ask]').hidden",
    )
    assert page.inner_text("#push-state") == page.get_attribute("#notify", "data-on")
    assert subscribed(site, subscription["endpoint"])


# A push service that never answers: subscribe() hangs, as with the service unreachable.
STUCK = """
PushManager.prototype.subscribe = () => new Promise(() => {});
PushManager.prototype.getSubscription = async () => null;
"""


def test_a_stuck_subscribe_stops_after_15_seconds_and_says_what_to_try(phone, site: Site) -> None:
    context = phone()
    context.add_init_script(STUCK)
    page = join(context, site)
    context.grant_permissions(["notifications"], origin=site.url)
    page.click("#push-on")
    assert page.locator("#push-on").is_disabled()
    page.wait_for_timeout(12_000)
    assert page.inner_text("#push-state") == ""  # still waiting: no verdict too early
    until(page, "document.querySelector('#push-state').textContent !== ''", timeout=10)
    advice = page.inner_text("#push-state")
    assert advice == page.get_attribute("#notify", "data-stuck")
    assert "15 giây" in advice
    assert page.locator("#push-on").is_enabled()  # not greyed forever: try again


def test_an_unchanged_subscription_is_not_posted_on_every_page_view(phone, site: Site) -> None:
    subscription = fake_subscription()
    context = phone()
    context.add_init_script(stand_in(subscription))
    page = join(context, site)
    context.grant_permissions(["notifications"], origin=site.url)
    page.click("#push-on")
    wait_until(page, lambda: subscribed(site, subscription["endpoint"]))
    posts: list[str] = []
    context.on(
        "request",
        lambda r: r.method == "POST" and "/push/subscriptions" in r.url and posts.append(r.url),
    )
    for path in (f"/c/{SLUG}", f"/c/{SLUG}/settings", f"/c/{SLUG}"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert posts == []

    # The browser's subscription changed since it was last told (here: the memory of it): told once.
    page.evaluate("localStorage.setItem('cfPushTold', '{}')")
    page.goto(f"/c/{SLUG}")
    page.wait_for_load_state("networkidle")
    wait_until(page, lambda: len(posts) == 1)
    page.goto(f"/c/{SLUG}")
    page.wait_for_load_state("networkidle")
    assert len(posts) == 1


def test_iphone_first_the_home_screen_guide_then_notifications(phone, site: Site) -> None:
    context = phone(user_agent=IPHONE_UA)
    page = join(context, site)
    assert page.locator("[data-step=ios]").is_visible()
    assert page.locator("[data-step=ask]").is_hidden()
    assert page.locator("[data-step=ios] svg.phone").is_visible()
    screenshot(page, "ios-guide")

    # Opened from the Home Screen (standalone): now the invitation.
    context.add_init_script("Object.defineProperty(navigator, 'standalone', {value: true})")
    page.reload()
    assert page.locator("[data-step=ask]").is_visible()
    assert page.locator("[data-step=ios]").is_hidden()


def registration_id(context, page, site: Site) -> tuple[object, str]:
    cdp = context.new_cdp_session(page)
    found: list[str] = []

    def seen(event: dict) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"] == f"{site.url}/" and not registration["isDeleted"]:
                found.append(registration["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    wait_until(page, lambda: bool(found))
    return cdp, found[-1]


NOTIFICATIONS = """
navigator.serviceWorker.ready
  .then(r => r.getNotifications())
  .then(list => list.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url})))
"""


def declarative(title: str, body: str, navigate: str, tag: str, message_id: str = "") -> dict:
    """A Declarative Web Push message, written by the server's own code."""
    message = json.loads(build_payload(title, body, navigate, tag, "vi"))
    if message_id:
        message["notification"]["data"]["id"] = message_id
    return message


def test_a_declarative_push_is_shown_and_a_tap_opens_its_page(phone, site: Site) -> None:
    context = phone()
    page = join(context, site)
    controlled(page)
    context.grant_permissions(["notifications"], origin=site.url)
    asked = page.request.post(
        f"{site.url}/api/v1/communes/{SLUG}/threads",
        data={"kind": "report", "title": "Ngập hẻm 5", "body": "Nước ngập tới gối."},
        headers={"Origin": site.url},
    )
    thread_id = asked.json()["id"]
    cdp, registration = registration_id(context, page, site)

    def push(data: str) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": site.url, "registrationId": registration, "data": data},
        )

    payload = declarative(
        "Cán bộ đã trả lời: Ngập hẻm 5",
        "Đã cử người đến kiểm tra.",
        f"{site.url}/t/{thread_id}",
        f"t{thread_id}",
    )
    push(json.dumps(payload))
    until(page, f"({NOTIFICATIONS}).then(list => list.length === 1)")
    [shown] = page.evaluate(NOTIFICATIONS)
    declared = payload["notification"]
    assert shown == {
        "title": declared["title"],
        "body": declared["body"],
        "tag": declared["tag"],
        "url": declared["navigate"],
    }
    # A message that is not declarative (an old or foreign format) gets the generic words.
    push(json.dumps({"title": "x", "body": "y", "url": "/t/1", "tag": "z"}))

    # An empty or unreadable push still shows a (generic) notification.
    push("")
    push("not json {")
    until(page, f"({NOTIFICATIONS}).then(list => list.length === 4)")
    generic = [n for n in page.evaluate(NOTIFICATIONS) if n["tag"] == ""]
    offline_page = page.request.get(f"{site.url}/offline").text()
    title = re.search(r'data-push-title="([^"]*)"', offline_page).group(1)
    assert [n["title"] for n in generic] == [title, title, title]
    assert all(n["url"] == f"{site.url}/" and n["body"] for n in generic)

    # A tap. Headless Chromium cannot click a notification, so the real notification is handed to
    # the worker's own notificationclick listener in a (synthetic) NotificationEvent: the open
    # window of the app goes to the thread.
    page.goto(f"/c/{SLUG}")
    controlled(page)
    [worker] = context.service_workers
    worker.evaluate(
        """async tag => {
          const [notification] = await self.registration.getNotifications({ tag });
          self.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
        }""",
        declared["tag"],
    )
    page.wait_for_url(re.compile(rf"/t/{thread_id}$"))
    assert "Nước ngập tới gối." in page.inner_text("article")
    assert page.evaluate(NOTIFICATIONS) and all(
        n["tag"] != declared["tag"] for n in page.evaluate(NOTIFICATIONS)
    )


def test_pushsubscriptionchange_subscribes_again_and_tells_the_server(phone, site: Site) -> None:
    context = phone()
    page = join(context, site)
    controlled(page)
    old, new = fake_subscription(), fake_subscription()
    told = page.request.post(
        f"{site.url}/api/v1/push/subscriptions", data=old, headers={"Origin": site.url}
    )
    assert told.status == 201 and subscribed(site, old["endpoint"])
    [worker] = context.service_workers
    worker.evaluate(stand_in(new))
    # Chromium never fires this event itself: the worker's listener gets a synthetic one.
    worker.evaluate(
        """endpoint => {
          const event = new ExtendableEvent("pushsubscriptionchange");
          Object.defineProperty(event, "oldSubscription", { value: { endpoint } });
          self.dispatchEvent(event);
        }""",
        old["endpoint"],
    )
    wait_until(page, lambda: not subscribed(site, old["endpoint"]))
    assert subscribed(site, new["endpoint"])
    assert worker.evaluate("self.pushCalls.subscribe") == 1


def test_a_repeated_delivery_replaces_itself_silently(phone, site: Site) -> None:
    """Push delivery is at least once: a worker killed between sending and recording sends
    again. The phone shows the same message id once with sound, then silently."""
    context = phone()
    page = join(context, site)
    controlled(page)
    context.grant_permissions(["notifications"], origin=site.url)
    cdp, registration = registration_id(context, page, site)
    state = """navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list =>
      list.map(n => ({tag: n.tag, body: n.body, renotify: n.renotify, silent: n.silent})))"""

    def push(message_id: str, body: str) -> list[dict]:
        payload = declarative("Thông báo", body, f"{site.url}/", "a9", message_id)
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": site.url, "registrationId": registration, "data": json.dumps(payload)},
        )
        until(page, f"({state}).then(l => l.length === 1 && l[0].body === {json.dumps(body)})")
        return page.evaluate(state)

    assert push("5f1e", "Lịch họp dân") == [
        {"tag": "a9", "body": "Lịch họp dân", "renotify": True, "silent": False}
    ]
    assert push("5f1e", "Lịch họp dân (lần 2)") == [
        {"tag": "a9", "body": "Lịch họp dân (lần 2)", "renotify": False, "silent": True}
    ]
    # An edited announcement is a new message with the same tag: it alerts again.
    assert push("77c0", "Lịch họp dân đã đổi") == [
        {"tag": "a9", "body": "Lịch họp dân đã đổi", "renotify": True, "silent": False}
    ]
