"""In-app browsers (Zalo, Facebook, Messenger, ...): recognised from the user agent; the join
page and the notification offer tell the resident how to open the link in Chrome or Safari,
and a real browser sees none of it."""

# ruff: noqa: E501 -- user agents are quoted whole, as the apps send them

from __future__ import annotations

import re

import pytest

from app.membership.in_app import chrome_intent_url, in_app_browser
from tests.conftest import BASE_URL

ANDROID_WV = "Mozilla/5.0 (Linux; Android 13; SM-A536E Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36"
IOS_WK = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"

# The user agents these apps send (as recorded from the apps; version numbers vary).
IN_APP = {
    "Zalo on Android": (
        f"{ANDROID_WV} Zalo android/12100635 ZaloTheme/light ZaloLanguage/vn",
        "Zalo",
        "android",
    ),
    "Zalo on iPhone": (f"{IOS_WK} Zalo iOS/510 ZaloTheme/light ZaloLanguage/vn", "Zalo", "ios"),
    "Facebook on Android": (
        f"{ANDROID_WV} [FB_IAB/FB4A;FBAV/443.0.0.23.229;]",
        "Facebook",
        "android",
    ),
    "Facebook on iPhone": (
        f"{IOS_WK} [FBAN/FBIOS;FBAV/442.0.0.42.110;FBBV/540125146;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBID/phone;FBLC/vi_VN;FBOP/5]",
        "Facebook",
        "ios",
    ),
    "Messenger on Android": (
        f"{ANDROID_WV} [FB_IAB/Orca-Android;FBAV/432.0.0.29.102;]",
        "Messenger",
        "android",
    ),
    "Messenger on iPhone": (
        f"{IOS_WK} [FBAN/MessengerForiOS;FBAV/436.0.0.36.118;FBBV/520593538;FBDV/iPhone13,2;FBMD/iPhone;FBSN/iOS;FBSV/16.6;FBSS/3;FBID/phone;FBLC/vi_VN;FBOP/5]",
        "Messenger",
        "ios",
    ),
    "Instagram on Android": (
        f"{ANDROID_WV} Instagram 298.0.0.31.110 Android (33/13; 420dpi; 1080x2400; samsung; SM-A536E; a53x; s5e8825; vi_VN; 508270386)",
        "Instagram",
        "android",
    ),
    "Instagram on iPhone": (
        f"{IOS_WK} Instagram 303.0.0.11.109 (iPhone14,7; iOS 17_0; vi_VN; vi; scale=3.00; 1170x2532; 524911440)",
        "Instagram",
        "ios",
    ),
    "TikTok on Android": (
        f"{ANDROID_WV} trill_2023209030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill app_version/32.9.3 ByteLocale/vi Region/VN BytedanceWebview/d8a21c6",
        "TikTok",
        "android",
    ),
    "TikTok on iPhone": (
        f"{IOS_WK} musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/vi Region/VN WKWebView/1 BytedanceWebview/d8a21c6",
        "TikTok",
        "ios",
    ),
    "LINE on Android": (f"{ANDROID_WV} Line/13.19.1/IAB", "LINE", "android"),
    "LINE on iPhone": (f"{IOS_WK} Safari Line/13.20.0", "LINE", "ios"),
    "Snapchat on iPhone": (
        f"{IOS_WK} Snapchat/12.58.0.35 (like Safari/8617.2.4.10.8, panda)",
        "Snapchat",
        "ios",
    ),
    "WeChat on Android": (
        f"{ANDROID_WV} XWEB/5197 MMWEBSDK/20230805 MicroMessenger/8.0.42.2460(0x28002A58) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN",
        "WeChat",
        "android",
    ),
    "WeChat on iPhone": (
        f"{IOS_WK} MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN",
        "WeChat",
        "ios",
    ),
    "another app's Android WebView": (
        "Mozilla/5.0 (Linux; Android 10; K; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.0.0 Mobile Safari/537.36",
        None,
        "android",
    ),
}
BROWSERS = {
    "Chrome on Android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "Safari on iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Chrome on iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
    "Samsung Internet": "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    "Cốc Cốc on Android": "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/123.0.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    "Firefox on Android": "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
    "Chrome on Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Safari on a Mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Edge on Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
}


@pytest.mark.parametrize("name", IN_APP)
def test_in_app_browsers_are_recognised(name):
    user_agent, app, platform = IN_APP[name]
    found = in_app_browser(user_agent)
    assert found is not None
    assert (found.app, found.platform) == (app, platform)


@pytest.mark.parametrize("name", BROWSERS)
def test_real_browsers_are_left_alone(name):
    assert in_app_browser(BROWSERS[name]) is None


@pytest.mark.parametrize("user_agent", [None, "", "curl/8.5.0", "x" * 100_000])
def test_odd_user_agents_are_not_in_app(user_agent):
    assert in_app_browser(user_agent) is None


def test_chrome_intent_url():
    assert (
        chrome_intent_url("https://gopy.xa-a.gov.vn/j/AbC_123")
        == "intent://gopy.xa-a.gov.vn/j/AbC_123#Intent;scheme=https;package=com.android.chrome;end"
    )
    assert chrome_intent_url("http://127.0.0.1:8000/j/t?x=1") == (
        "intent://127.0.0.1:8000/j/t?x=1#Intent;scheme=http;package=com.android.chrome;end"
    )


def join_page(client, commune, user_agent: str) -> str:
    response = client.get(f"/j/{commune.join_token}", headers={"User-Agent": user_agent})
    assert response.status_code == 200
    assert "User-Agent" in response.headers["Vary"]
    return response.get_data(as_text=True)


def test_join_page_in_zalo_on_android_offers_chrome(client, make_commune):
    commune = make_commune()
    page = join_page(client, commune, IN_APP["Zalo on Android"][0])
    join_url = f"{BASE_URL}/j/{commune.join_token}"
    intent = f"intent://feedback.test/j/{commune.join_token}#Intent;scheme=http;package=com.android.chrome;end"
    assert f'href="{intent}"' in page
    assert "Mở bằng Chrome" in page and "bên trong Zalo" in page
    assert f'value="{join_url}"' in page and "data-copy" in page and "Đã chép" in page
    # Joining stays possible, right there.
    assert re.search(r'<button type="submit" class="big">Vẫn tham gia tại đây</button>', page)


def test_join_page_in_facebook_on_iphone_shows_the_menu_steps(client, make_commune):
    commune = make_commune()
    page = join_page(client, commune, IN_APP["Facebook on iPhone"][0])
    assert "intent://" not in page
    assert "Mở bằng trình duyệt" in page and "Facebook" in page
    assert "Chép liên kết" in page


def test_join_page_in_english(client, make_commune):
    commune = make_commune()
    client.set_cookie("lang", "en")
    page = join_page(client, commune, IN_APP["Messenger on iPhone"][0])
    assert "Open this page in Chrome or Safari" in page
    assert "inside Messenger" in page and 'Choose "Open in browser"' in page


@pytest.mark.parametrize("name", ["Chrome on Android", "Safari on iPhone"])
def test_join_page_in_a_real_browser_shows_none_of_it(client, make_commune, name):
    page = join_page(client, make_commune(), BROWSERS[name])
    assert "in-app" not in page and "intent://" not in page and "data-copy" not in page
    assert "Tham gia nhóm</button>" in page


def test_the_notification_offer_says_why_it_needs_chrome(world):
    resident = world["resident_a"]
    zalo = {"User-Agent": IN_APP["Zalo on Android"][0]}
    for path in ("/c/xa-a", "/c/xa-a/settings"):
        page = resident.get(path, headers=zalo).get_data(as_text=True)
        assert "data-in-app" in page and 'data-step="in-app"' in page
        assert "Không thể nhận thông báo khi mở trong Zalo" in page
        assert f"intent://feedback.test/j/{world['a'].join_token}#Intent" in page
        real = resident.get(path, headers={"User-Agent": BROWSERS["Chrome on Android"]})
        assert 'data-step="in-app"' not in real.get_data(as_text=True)
