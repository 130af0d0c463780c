"""The public accountability pages: a commune's (/c/<slug>/accountability) and its province's
communes ranked (/provinces/<code>/accountability). No sign-in; docs/accountability.md."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from app.admin import accountability
from app.admin.accountability_schemas import AccountabilityQuery
from app.admin.accountability_views import CHOICES, commune_chart, count_of, hours, province_chart
from app.admin.views import percent
from app.communes.services import get_commune
from app.errors import NotFound
from app.schema.load import load

bp = Blueprint("accountability", __name__)


def _helpers() -> dict:
    hours_setting = current_app.config["WORKING_HOURS"]
    if isinstance(hours_setting, str):
        hours_setting = hours_setting.split(",")
    return {
        "count_of": count_of,
        "fmt_hours": hours,
        "fmt_percent": percent,
        "choices": CHOICES,
        # "07:30–11:30, 13:30–17:00": the configured office hours, as the deadlines count them.
        "office_hours": ", ".join(str(p).strip().replace("-", "–") for p in hours_setting),
        "weekdays_only": list(current_app.config["WORKING_DAYS"]) == [1, 2, 3, 4, 5],
    }


@bp.get("/c/<slug>/accountability")
def commune_page(slug: str) -> str:
    commune = get_commune(slug)
    win = accountability.window(load(AccountabilityQuery, request.args).days)
    figures = accountability.commune_figures(commune, win)
    province = None
    if commune.province_code:
        try:
            province = accountability.province_name(commune.province_code)
        except NotFound:
            province = None  # a code outside the 2025 list: no province page to link to
    return render_template(
        "accountability/commune.html",
        commune=commune,
        province=province,
        win=win,
        figures=figures,
        chart=commune_chart(figures),
        **_helpers(),
    )


@bp.get("/provinces/<code>/accountability")
def province_page(code: str) -> str:
    win = accountability.window(load(AccountabilityQuery, request.args).days)
    table = accountability.province_table(code, win)
    return render_template(
        "accountability/province.html",
        table=table,
        win=win,
        chart=province_chart(table) if table.communes else None,
        **_helpers(),
    )
