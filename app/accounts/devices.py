"""A short name for a device, from its User-Agent header: "Chrome · Android".

Only this summary is stored with a session, never the header itself (it is nearly a
fingerprint). Order matters: most browsers also claim to be Safari, and Edge claims Chrome.
"""

from __future__ import annotations

BROWSERS = (
    ("Zalo", "Zalo"),
    ("CocCoc", "Cốc Cốc"),
    ("coc_coc", "Cốc Cốc"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
    ("python-requests", "python-requests"),
    ("curl", "curl"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str | None) -> str:
    """``"Chrome · Android"``, ``"Safari · iPhone"``, what little is known, or ``""``."""
    text = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in text), None)
    system = next((name for mark, name in SYSTEMS if mark in text), None)
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or ""
