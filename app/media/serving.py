"""Media served through the app, after the caller's right to read the post was checked.

Streamed rather than redirected to presigned URLs: the bucket stays private and need not be
reachable from phones (a MinIO on the hosts' private network is fine), the page's CSP keeps
``img-src 'self'``, the service worker caches photos under their stable addresses, and a link
that leaks (a log, a shared screenshot of the address bar) opens nothing without the session.
The cost, every byte through the app, is small: photos are at most ~300 KB, derivatives 30 KB.
"""

from __future__ import annotations

from flask import Response, request

# A photo opened alone (the full one, on tap) is shown by the browser's own image viewer,
# which styles itself inline: the pages' policy (style-src 'self') would refuse that styling.
# Here nothing may run, embed, send or frame; styles and images stay the viewer's own.
MEDIA_POLICY = (
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def uploaded(field: str) -> bytes | None:
    """The bytes of the request's file ``field``; None when none was chosen (a form's empty
    file input sends a part without a file name)."""
    upload = request.files.get(field)
    return upload.read() if upload and upload.filename else None


def media_response(data: bytes, mimetype: str) -> Response:
    """``data`` as ``mimetype``, not sniffed, cacheable for this person, with byte ranges."""
    response = Response(data, mimetype=mimetype)
    # Random, never reused names: the browser may keep it, but only for this person.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_POLICY
    # Range: and If-Range: answered from the bytes (206 or 416), as for a static file.
    return response.make_conditional(request, accept_ranges=True, complete_length=len(data))
