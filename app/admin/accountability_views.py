"""How the public accountability figures read on a page: plain words and the two charts."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from app.admin.accountability import Figures, ProvinceTable, Ratio
from app.admin.charts import labelled_bars
from app.admin.views import percent

# The windows a page offers (any ``?days=`` from 1 to 365 works).
CHOICES = (30, 90, 365)


def hours(value: float | None) -> str:
    """``2,5`` office hours in Vietnamese, ``2.5`` in English; a dash when none."""
    if value is None:
        return "–"
    return format_decimal(round(value, 1), format="#,##0.#")


def count_of(ratio: Ratio) -> str:
    """``8 of 10``, the ground of a share."""
    return _("%(count)d of %(of)d", count=ratio.count, of=ratio.of)


def commune_chart(figures: Figures) -> Markup:
    items = (
        (_("Answered on time: %(n)s"), figures.answered_on_time),
        (_("Settled on time: %(n)s"), figures.resolved_on_time),
        (_("Said it was fixed: %(n)s"), figures.confirmed_fixed),
        (_("Satisfied (4 or 5 stars): %(n)s"), figures.satisfied),
    )
    return labelled_bars(
        [(text % {"n": count_of(ratio)}, ratio.rate, percent(ratio.rate)) for text, ratio in items],
        title=_("How the commune keeps its deadlines"),
        chart_id="commune-chart",
    )


def province_chart(table: ProvinceTable) -> Markup:
    items = []
    for row in table.communes:
        ratio = row.figures.answered_on_time
        place = f"{row.rank}. " if row.rank is not None else ""
        text = f"{place}{row.commune.name}: {count_of(ratio)}"
        items.append((text, ratio.rate, percent(ratio.rate)))
    return labelled_bars(
        items,
        title=_("Answered on time, commune by commune"),
        chart_id="province-chart",
    )
