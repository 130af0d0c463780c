"""What makes the site an installable app: the manifest, the service worker, the offline page,
and the language switch."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from app.accounts.sessions import current_account
from app.assets import asset_response, store
from app.membership.services import memberships_of
from app.web import safe_next, see_other

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0b5cad"


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest; it starts in the member's own group."""
    account = current_account()
    memberships = memberships_of(account) if account else []
    start = url_for("threads.feed", slug=memberships[0].commune.slug) if memberships else "/"
    icons = [
        {
            "src": store().url(f"icons/{name}.png"),
            "sizes": size,
            "type": "image/png",
            "purpose": purpose,
        }
        for name, size, purpose in (
            ("icon-192", "192x192", "any"),
            ("icon-512", "512x512", "any"),
            ("maskable-192", "192x192", "maskable"),
            ("maskable-512", "512x512", "maskable"),
        )
    ]
    response = jsonify(
        id="/",
        name="Góp ý của xã",
        short_name="Góp ý xã",
        description="Hỏi, phản ánh và nhận trả lời từ cán bộ xã.",
        lang="vi",
        start_url=start,
        scope="/",
        display="standalone",
        background_color="#ffffff",
        theme_color=THEME_COLOR,
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so that it controls every page."""
    response = asset_response("sw.js", cache_control="no-cache")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline() -> str:
    return render_template("offline.html")


@bp.get("/lang/<code>")
def switch_language(code: str) -> Response:
    """Remember the chosen language for a year, then go back where the person was."""
    response = see_other(safe_next(request.args.get("next"), "/"))
    if code in current_app.config["LANGUAGES"]:
        secure = current_app.config["SESSION_COOKIE_SECURE"]
        response.set_cookie(
            "lang", code, max_age=365 * 24 * 3600, samesite="Lax", secure=secure, httponly=True
        )
    return response
