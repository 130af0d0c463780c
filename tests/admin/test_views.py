"""How statistics figures are written: in the reader's language, decimal comma included."""

from __future__ import annotations

import pytest
from flask_babel import refresh

from app.admin.views import duration


@pytest.mark.parametrize(
    ("seconds", "vi", "en"),
    [
        (None, "–", "–"),
        (45 * 60, "45 phút", "45 min"),
        (5.5 * 3600, "5,5 giờ", "5.5 h"),
        (5 * 3600, "5 giờ", "5 h"),
        (3.25 * 86400, "3,2 ngày", "3.2 days"),
    ],
)
def test_durations_in_each_language(app, seconds, vi, en):
    for language, expected in (("vi", vi), ("en", en)):
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # the locale is cached per app context, which the test shares
            assert duration(seconds) == expected
