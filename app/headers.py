"""Security headers on every response, and brotli or gzip for dynamic text responses."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from app import compression

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        # A voice note is played back from its recording (blob:) before it is sent.
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The microphone only from our own pages, for the "Nói" (speak) button.
PERMISSIONS_POLICY = "camera=(), microphone=(self), geolocation=(self), payment=(), usb=()"
# Below this, the coding's own overhead and the CPU are not worth a few hundred bytes.
COMPRESS_MIN_BYTES = 600


def secure_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "Cache-Control" not in headers and response.mimetype in ("text/html", "application/json"):
        # Pages and API answers are personal: never kept by a shared cache.
        headers["Cache-Control"] = "private, no-cache"
    return response


def compress(response: Response) -> Response:
    """Brotli or gzip for HTML and JSON on slow 3G links (assets: once, in assets.py)."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.status_code < 200
        or response.status_code in (204, 304)
        or response.mimetype not in ("text/html", "application/json")
    ):
        return response
    data = response.get_data()
    if len(data) < COMPRESS_MIN_BYTES:
        return response
    # The answer depends on the header from here on, compressed or not: tell caches.
    response.vary.add("Accept-Encoding")
    coding = compression.negotiate(request.accept_encodings)
    if coding is not None:
        response.set_data(compression.compress(data, coding))
        response.headers["Content-Encoding"] = coding
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
    app.after_request(compress)
