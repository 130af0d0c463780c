"""``/api/v1/provinces/{code}/days-off``: the days off an admin gives a province (its national
admins and its own), which its communes' deadlines skip (docs/accountability.md)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.accountability.days_off import (
    add_day_off,
    days_off,
    province_name,
    remove_day_off,
)
from app.accountability.schemas import DayOff, DayOffRequest, DaysOff
from app.api.helpers import json_body, require_account
from app.api.spec import documented
from app.extensions import db

bp = Blueprint("days_off", __name__)


def _listing(code: str) -> DaysOff:
    items = [DayOff.model_validate(row) for row in days_off(code, require_account())]
    return DaysOff(province_code=code, province=province_name(code), items=items)


@bp.get("/provinces/<code>/days-off")
@documented(
    "A province's days off (its admins and national admins)",
    {200: DaysOff},
    403,
    404,
    description="404 for a code that is not one of the 2025 list's 34 provinces.",
)
def index(code: str) -> Response:
    return jsonify(_listing(code).dump())


@bp.post("/provinces/<code>/days-off")
@documented(
    "Give a province a day off (its admins and national admins)",
    {201: DaysOff},
    403,
    404,
    409,
    422,
    body=DayOffRequest,
    description=(
        "No working time counts on it for the province's communes: threads asked from then on "
        "get deadlines that skip it. 409 if the day already is one; 422 for a day that is not "
        "a real date (YYYY-MM-DD, 2000 to 2100) or a missing name. Kept in the audit log "
        "(day_off.add). Answers the province's days off."
    ),
)
def create(code: str) -> tuple[Response, int]:
    add_day_off(code, require_account(), json_body())
    db.session.commit()
    return jsonify(_listing(code).dump()), 201


@bp.delete("/provinces/<code>/days-off/<day>")
@documented(
    "Take back a province's day off (its admins and national admins)",
    {200: DaysOff},
    403,
    404,
    description="404 when the province has no day off that day. Kept in the audit log "
    "(day_off.remove).",
)
def destroy(code: str, day: str) -> Response:
    remove_day_off(code, day, require_account())
    db.session.commit()
    return jsonify(_listing(code).dump())
