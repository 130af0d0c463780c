"""Conditional reads: an ETag computed from a cheap summary of what the reader may see, and a
304 without a body when the browser (or the service worker) already holds that answer.

A view computes its validator's parts *before* building its answer (a few indexed aggregates,
see ``app/threads/validators.py``), asks ``not_modified(tag)`` and answers the 304 at once, or
builds the answer and ``tagged(response, tag)``. Every tag also holds the release (the code,
templates and static files this process serves), the reader's account and the language, so
another member, role, language or release never matches. Tags are weak: the same answer in
brotli, gzip or as it is shares one tag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, Response, current_app, request
from flask_babel import get_locale

ROOT = Path(__file__).resolve().parent.parent
# What an answer depends on besides its URL: who is signed in, their language, the coding.
VARY = ("Cookie", "Accept-Language", "Accept-Encoding")
CACHE_CONTROL = "private, no-cache"


def release_digest(folders: Iterable[Path]) -> str:
    """A digest of every file that shapes an answer: the same in every worker of a release,
    different after any change to the code, a template or a static file."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".js", ".css", ".json", ".mo"):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def etag(*parts: object) -> str:
    """The tag of an answer: the release, the URL (path and query), the language and the
    view's parts (the reader and what they may see), hashed."""
    text = repr(
        (
            current_app.extensions["release_digest"],
            request.full_path,
            str(get_locale() or ""),
            parts,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def not_modified(tag: str) -> Response | None:
    """A 304 with the tag's headers when the request's ``If-None-Match`` holds ``tag``."""
    if not request.if_none_match.contains_weak(tag):
        return None
    return tagged(Response(status=304), tag)


def tagged(response: Response, tag: str) -> Response:
    """``response`` with its ETag, what it varies with, and revalidation on every use."""
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    for header in VARY:
        response.vary.add(header)
    return response


def init_app(app: Flask) -> None:
    app.extensions["release_digest"] = release_digest(
        [ROOT / "app", ROOT / "templates", ROOT / "static"]
    )
