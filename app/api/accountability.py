"""``/api/v1`` public accountability figures: a commune's, and its province's communes ranked
(docs/accountability.md says how each figure is computed). No sign-in; the same answer for
everyone, so shared caches may keep it five minutes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.admin import accountability
from app.admin.accountability_schemas import (
    RANKING,
    AccountabilityFigures,
    AccountabilityQuery,
    AccountabilityWindow,
    AccountableCommune,
    CommuneAccountability,
    ProvinceAccountability,
)
from app.api.spec import documented, query
from app.communes.services import get_commune
from app.schema.load import load

bp = Blueprint("accountability", __name__)

DAYS = query(
    "days",
    {"type": "integer", "minimum": 1, "maximum": accountability.MAX_DAYS},
    f"The last `days` days up to now ({accountability.DEFAULT_DAYS}).",
)
CACHED = {"Cache-Control": {"required": True, "schema": {"const": "public, max-age=300"}}}


def _public(body: dict) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/communes/<slug>/accountability")
@documented(
    "A commune's public accountability figures",
    {200: CommuneAccountability},
    422,
    signed_in=False,
    params=(DAYS,),
    headers=CACHED,
    description="Threads received in the window, private ones included (their words never "
    "are): answered and settled on time, with the counts each rate comes from.",
)
def commune_accountability(slug: str) -> Response:
    commune = get_commune(slug)
    days = load(AccountabilityQuery, request.args).days
    win = accountability.window(days)
    figures = accountability.commune_figures(commune, win)
    body = CommuneAccountability(
        **AccountabilityWindow.fields_of(win),
        commune=AccountableCommune.model_validate(commune),
        figures=AccountabilityFigures.of(figures),
    )
    return _public(body.dump())


@bp.get("/provinces/<code>/accountability")
@documented(
    "Every commune of a province with its accountability figures, ranked",
    {200: ProvinceAccountability},
    422,
    signed_in=False,
    params=(DAYS,),
    headers=CACHED,
    description=f"The communes whose province_code is `code` (not the demo). {RANKING} "
    "404 for a code not in the 2025 list of 34 provinces.",
)
def province_accountability(code: str) -> Response:
    days = load(AccountabilityQuery, request.args).days
    table = accountability.province_table(code, accountability.window(days))
    return _public(ProvinceAccountability.of(table).dump())
