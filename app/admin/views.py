"""How statistics read on a page: durations, percentages and the two charts."""

from __future__ import annotations

from flask_babel import format_date, format_decimal, to_user_timezone
from flask_babel import gettext as _
from markupsafe import Markup

from app.admin.charts import share_bars, weekly_bars
from app.admin.stats import Figures, Window


def duration(seconds: float | None) -> str:
    """``45 min``, ``5.5 h`` (``5,5 giờ``), ``3.2 days``; a dash when nothing to measure."""
    if seconds is None:
        return "–"
    if seconds < 3600:
        return _("%(n)d min", n=round(seconds / 60))
    if seconds < 48 * 3600:
        return _("%(n)s h", n=_one_decimal(seconds / 3600))
    return _("%(n)s days", n=_one_decimal(seconds / 86400))


def _one_decimal(number: float) -> str:
    """``5.5`` in English, ``5,5`` in Vietnamese; ``5`` rather than ``5.0``."""
    return format_decimal(round(number, 1), format="#,##0.#")


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def week_starts(win: Window) -> list[str]:
    """Each week named by its Monday (``2/3``), as people read a calendar, not ``2026-W10``."""
    return [format_date(to_user_timezone(edge), format="d/M") for edge in win.edges[:-1]]


def weekly_chart(win: Window, figures: Figures) -> Markup:
    return weekly_bars(
        week_starts(win),
        figures.opened,
        figures.resolved,
        title=_("Questions and reports opened and resolved per week"),
        opened_label=_("opened"),
        resolved_label=_("resolved"),
    )


def answer_chart(figures: Figures, *, shares_only: bool = False) -> Markup:
    """How soon threads got their first official answer, as shares of the threads that count
    (answered, or waiting for 24 hours already); ``shares_only`` leaves counts out."""
    labels = {
        "1h": _("within 1 hour"),
        "4h": _("1 to 4 hours"),
        "24h": _("4 to 24 hours"),
        "3d": _("1 to 3 days"),
        "more": _("more than 3 days"),
        "waiting": _("not answered yet"),
    }
    total = figures.due or 1
    items = []
    for key, count in figures.answer_buckets():
        share = count / total
        caption = percent(share) if shares_only else f"{percent(share)} ({count})"
        items.append((str(labels[key]), share, caption, key == "waiting"))
    return share_bars(items, title=_("Time to the first official answer"))
