"""Dates as people read them, with four-digit years (issue 17): "2/12/26" reads as a day or a
month too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.i18n import when


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "14:05 2/12/2026"), ("en", "12/2/2026, 2:05\u202fPM")],
)
def test_when_writes_the_year_in_full(app, language: str, expected: str) -> None:
    """In Vietnam's time (BABEL_DEFAULT_TIMEZONE), in each language's own order."""
    moment = datetime(2026, 12, 2, 7, 5, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": language}):
        assert when(moment) == expected
