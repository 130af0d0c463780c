"""Helpers shared by the server-rendered pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response

from app.accounts.sessions import current_account, current_account_id
from app.parsing import MAX_ID


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send signed-out visitors to the sign-in page, then back here."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return redirect(url_for("accounts.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def resident_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page of the residents' group (feed, thread, photo, settings): a signed-out visitor
    is a resident whose cookie is gone or who was sent a neighbour's link, not staff. They get
    a page saying what this is and how to get in (401), instead of the staff sign-in."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_account_id() is None:
            page = render_template("membership/signed_out.html", next_path=request.path)
            response = make_response(page, 401)
            # Never kept by the browser or the service worker: once in, the real page shows.
            response.headers["Cache-Control"] = "no-store"
            return response
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None, default: str) -> str:
    """Only follow local paths after sign-in: never an open redirect.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    ``/\t/evil.example`` would become ``//evil.example``: any control character, whitespace or
    backslash is refused, and what is left must have no scheme and no host.
    """
    if not target or not target.startswith("/") or len(target) > 2000:
        return default
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


def see_other(location: str) -> Response:
    """Post/Redirect/Get: a refresh never sends a form twice."""
    return redirect(location, code=303)


class IdConverter(BaseConverter):
    """``<id:name>``: a database id. Digits beyond any id become 0, which matches nothing, so
    the view answers 404 (a converter that rejected them would turn PATCH into 405)."""

    regex = r"\d{1,18}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0

    def to_url(self, value: int) -> str:
        return str(int(value))
