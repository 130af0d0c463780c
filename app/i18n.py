"""Language choice (Vietnamese first, English as well) and the template helpers that need it."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_datetime, get_locale, lazy_gettext, refresh

from app.extensions import babel
from app.models_base import as_utc, isoformat

STATUS_LABELS = {
    "new": lazy_gettext("new"),
    "acknowledged": lazy_gettext("acknowledged"),
    "in_progress": lazy_gettext("in progress"),
    "resolved": lazy_gettext("resolved"),
    "declined": lazy_gettext("declined"),
}


def select_locale() -> str:
    """A remembered switch first, then the browser's languages, then Vietnamese."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def when(moment: datetime) -> str:
    """A short local date and time, as people read it, with a four-digit year: "14:05
    2/12/2026" rather than the locale's "2/12/26", which reads as a day or month too."""
    locale = get_locale() or Locale.parse("vi")
    date = locale.date_formats["short"].pattern
    if "yyyy" not in date:
        date = re.sub(r"y+", "yyyy", date)
    pattern = locale.datetime_formats["short"].format(locale.time_formats["short"].pattern, date)
    return format_datetime(as_utc(moment), pattern)


def init_app(app: Flask) -> None:
    translations = Path(__file__).resolve().parent / "translations"
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(translations)
    )
    # Locale and catalogue are cached on the app context; a request must not inherit another
    # request's language (as happens when one context serves several, e.g. in tests).
    app.before_request(refresh)
    app.jinja_env.filters["iso"] = isoformat
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "vi")
