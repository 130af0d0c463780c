"""In-app browsers: the pages a chat or social app opens inside itself (Zalo, Facebook, ...).

A QR code scanned with Zalo's scanner, or a link tapped in a chat, opens such a browser. It can
join and post, but it has no web push and no "Add to Home Screen": the join page and the
notification offer tell the resident how to open the link in Chrome or Safari instead.

Recognised by the marks these apps add to the user agent (Android WebView's ``; wv)`` as the
catch-all for apps not named here). Apps that open links in Chrome Custom Tabs or Safari's
view (Telegram, X) send the browser's own user agent and need no help. The mark of a messaging
app is tried before that of its social network: Messenger's user agent carries Facebook's too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from flask import current_app, request

from app.communes.models import Commune
from app.communes.services import join_url

Platform = Literal["android", "ios", "other"]

# (app name as residents know it, pattern of its user-agent mark), first match wins.
_APPS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("Zalo", r"\bZalo\b|ZaloTheme/"),
        ("Messenger", r"FBAN/Messenger|FB_IAB/(?:MESSENGER|Orca-Android)|\bMessengerLite"),
        ("Instagram", r"\bInstagram\b"),
        ("Facebook", r"FBAN/|FBAV/|FB_IAB/|\bFBIOS\b|\bFB4A\b"),
        ("TikTok", r"\bTikTok\b|musical_ly|BytedanceWebview|\btrill_\d"),
        ("LINE", r"\bLine/\d"),
        ("Snapchat", r"\bSnapchat/"),
        ("WeChat", r"\bMicroMessenger/"),
        ("KakaoTalk", r"\bKAKAOTALK\b"),
        ("Viber", r"\bViber/"),
        ("LinkedIn", r"\bLinkedInApp\b"),
        ("Pinterest", r"\bPinterest/"),
    )
)
# Android System WebView inside any other app ("Version/4.0 Chrome/126.0 Mobile Safari; wv").
_ANDROID_WEBVIEW = re.compile(r"Android[^;)]*;.*\bwv\)")
_IOS = re.compile(r"\b(?:iPhone|iPad|iPod)\b")


@dataclass(frozen=True)
class InAppBrowser:
    """Which app's browser a page was opened in (``app`` None: an app we cannot name)."""

    app: str | None
    platform: Platform


def in_app_browser(user_agent: str | None) -> InAppBrowser | None:
    """The in-app browser this user agent belongs to, or None for a real browser."""
    if not user_agent:
        return None
    ua = user_agent[:1000]  # user agents are short; a huge header is not worth scanning
    platform: Platform = "android" if "Android" in ua else "ios" if _IOS.search(ua) else "other"
    for name, pattern in _APPS:
        if pattern.search(ua):
            return InAppBrowser(name, platform)
    if platform == "android" and _ANDROID_WEBVIEW.search(ua):
        return InAppBrowser(None, platform)
    return None


def chrome_intent_url(url: str) -> str:
    """An Android link that opens ``url`` in Chrome itself, out of the app it was tapped in."""
    parts = urlsplit(url)
    rest = parts.netloc + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"intent://{rest}#Intent;scheme={parts.scheme};package=com.android.chrome;end"


def in_app_help(commune: Commune) -> dict[str, object]:
    """What the join page and the notification offer need to help someone in an in-app browser
    open the group's link in Chrome or Safari (template values); nothing for a real browser."""
    in_app = in_app_browser(request.user_agent.string)
    if in_app is None:
        return {"in_app": None}
    return {"in_app": in_app, "join_link": join_url(current_app.config["BASE_URL"], commune)}
