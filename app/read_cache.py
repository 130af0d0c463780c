"""Built answers of the read path (a feed page, the group's page), kept per process for the one
reader they were built for, and checked against the commune's read version
(``app/read_versions.py``).

The key is everything the answer depends on: the URL (path and query), the language, the
commune and its read version, the reader's account and role, and what the view adds (the
browser's own state on a page). A reader is only ever served an answer built for them, so
private threads, hidden posts and "me too"s never cross. An entry also ends at the first
moment its answer changes with time alone (a deadline passing, an announcement expiring).

Correct with any number of workers and hosts: a write anywhere raises the version in the
database, and every process then misses and builds again. The ETag is a hash of the key and of
that moment, the same in every process, so a tag from one host is confirmed by another; tags
are weak (``app/conditional.py``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, Response, current_app, request
from flask_babel import get_locale

from app import compression
from app.conditional import etag, tagged
from app.headers import COMPRESS_MIN_BYTES
from app.models_base import as_utc, utcnow


@dataclass(frozen=True)
class Built:
    """What a view built: the body, its type, and until when it holds (None: until a write).
    ``fresh`` makes each answer's own copy of the body (a page's one-time form key): such a
    body is compressed per answer, not once."""

    body: bytes
    mimetype: str
    valid_until: datetime | None = None
    fresh: Callable[[bytes], bytes] | None = None


@dataclass
class Entry:
    tag: str
    built: Built
    # The body in each content coding asked for so far (compressed once per entry).
    coded: dict[str, bytes] = field(default_factory=dict)

    def fresh(self, now: datetime) -> bool:
        until = self.built.valid_until
        return until is None or now < as_utc(until)


class ReadCache:
    """A bounded LRU map, safe for gunicorn's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: datetime) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if not entry.fresh(now):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: Entry) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def cached_read(parts: tuple, build: Callable[[], Built]) -> Response:
    """The answer for ``parts`` (the commune's id and read version, the reader, the view's
    own), from the cache or built now; a 304 when the request's ``If-None-Match`` holds its
    tag."""
    cache: ReadCache = current_app.extensions["read_cache"]
    key = (request.full_path, str(get_locale() or ""), parts)
    entry = cache.get(key, utcnow())
    if entry is None:
        built = build()
        until = as_utc(built.valid_until) if built.valid_until is not None else None
        entry = Entry(tag=etag(parts, until.isoformat() if until else None), built=built)
        cache.put(key, entry)
    if request.if_none_match.contains_weak(entry.tag):
        return tagged(Response(status=304), entry.tag)
    return tagged(_response(entry), entry.tag)


def _response(entry: Entry) -> Response:
    built = entry.built
    body = built.fresh(built.body) if built.fresh is not None else built.body
    response = Response(mimetype=built.mimetype)
    coding = None
    if len(body) >= COMPRESS_MIN_BYTES:
        coding = compression.negotiate(request.accept_encodings)
    if coding is None:
        response.set_data(body)
        return response
    coded = entry.coded.get(coding) if built.fresh is None else None
    if coded is None:
        coded = compression.compress(body, coding)
        if built.fresh is None:
            entry.coded[coding] = coded
    response.set_data(coded)
    response.headers["Content-Encoding"] = coding
    return response


def init_app(app: Flask) -> None:
    app.extensions["read_cache"] = ReadCache(app.config.get("READ_CACHE_ENTRIES", 2000))


def json_bytes(data: object) -> bytes:
    """``data`` as ``jsonify`` sends it."""
    return f"{current_app.json.dumps(data)}\n".encode()
