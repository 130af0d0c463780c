"""Static files under content-hashed URLs, cached for a year, compressed once (brotli, gzip)."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

from app.compression import CODINGS, compress, negotiate

bp = Blueprint("assets", __name__)

COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/manifest+json",
)


# A file's hash, its bytes, and its compressed forms by coding (none for images).
Entry = tuple[str, bytes, dict[str, bytes]]


class AssetStore:
    """Reads each static file once per process: its hash, bytes and compressed forms."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self._cache: dict[str, Entry] = {}

    def get(self, filename: str) -> Entry:
        entry = self._cache.get(filename)
        if entry is None or current_app.debug:
            path = (self.folder / filename).resolve()
            if not path.is_file() or self.folder not in path.parents:
                abort(404)
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()[:12]
            mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            packed = (
                {coding: compress(data, coding, once=True) for coding in CODINGS}
                if is_compressible(mimetype)
                else {}
            )
            entry = (digest, data, packed)
            self._cache[filename] = entry
        return entry

    def url(self, filename: str) -> str:
        digest, _data, _packed = self.get(filename)
        return f"/assets/{digest}/{filename}"


def is_compressible(mimetype: str) -> bool:
    return mimetype.startswith(COMPRESSIBLE)


def store() -> AssetStore:
    return current_app.extensions["assets"]


def asset_response(filename: str, *, cache_control: str) -> Response:
    """The file's bytes, in brotli or gzip when the browser accepts one; 304 to a browser
    that has them (its ``If-None-Match``), which a ``no-cache`` file is asked for each time."""
    digest, data, packed = store().get(filename)
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if filename.endswith(".webmanifest"):
        mimetype = "application/manifest+json"
    response = Response(mimetype=mimetype)
    coding = negotiate(request.accept_encodings) if packed else None
    if coding is not None:
        response.set_data(packed[coding])
        response.headers["Content-Encoding"] = coding
    else:
        response.set_data(data)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = cache_control
    # One tag per version and coding: the br bytes are not the gzip bytes.
    response.set_etag(f"{digest}-{coding or 'identity'}")
    return response.make_conditional(request)


@bp.get("/assets/<digest>/<path:filename>")
def asset(digest: str, filename: str) -> Response:
    current, _data, _packed = store().get(filename)
    # An old page asking for a previous version gets today's file, but not cached for long.
    cache = "public, max-age=31536000, immutable" if digest == current else "no-cache"
    return asset_response(filename, cache_control=cache)


def static_file(filename: str) -> Response:
    """``/static/<file>``, for what cannot name a hashed URL (the service worker's
    importScripts): compressed as the assets are, and asked for again each time."""
    return asset_response(filename, cache_control="no-cache")


def init_app(app: Flask) -> None:
    app.extensions["assets"] = AssetStore(Path(app.static_folder or "static"))
    # Flask's own static view sends the bytes as they are: the same URLs, through the store.
    app.view_functions["static"] = static_file
    app.jinja_env.globals["asset_url"] = lambda filename: store().url(filename)
    app.register_blueprint(bp)
