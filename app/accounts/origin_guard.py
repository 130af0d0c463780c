"""Cross-site request forgery guard: state changes must come from our own origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import gettext as _

from app.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins() -> set[str]:
    base = _origin_of(current_app.config["BASE_URL"])
    own = _origin_of(request.host_url)
    return {origin for origin in (base, own) if origin}


def check_origin() -> None:
    """Reject unsafe requests whose Origin is missing or foreign.

    Pages' plain HTML forms are accepted with a same-origin Referer when a browser omits
    Origin; the JSON API always requires Origin, as its contract says.
    """
    if request.method in SAFE_METHODS:
        return
    if request.path.startswith("/open311/"):
        # Open311 clients are other applications, authenticated by api_key, not cookies.
        return
    origin = request.headers.get("Origin")
    if origin is None and not request.path.startswith("/api/"):
        referer = request.headers.get("Referer")
        origin = _origin_of(referer) if referer else None
    if not origin or origin.lower() not in allowed_origins():
        raise Forbidden(
            _("This request did not come from this site (missing or foreign Origin header).")
        )


def init_app(app: Flask) -> None:
    app.before_request(check_origin)
