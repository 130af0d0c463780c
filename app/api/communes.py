"""``/communes``: creating commune groups (admins) and listing them (admins, officials)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api.helpers import json_body, require_account
from app.api.schemas import commune_json
from app.communes.areas import place_in_area
from app.communes.services import create_commune
from app.errors import Forbidden
from app.extensions import db
from app.membership.services import communes_for

bp = Blueprint("communes", __name__)


@bp.post("/communes")
def create() -> tuple[Response, int]:
    account = require_account()
    if not account.is_admin:
        raise Forbidden()
    data = json_body()
    # An admin of a province or district makes communes of their area.
    province, district = place_in_area(account, None, None)
    commune = create_commune(
        data.get("slug"), data.get("name"), province=province, district=district
    )
    db.session.commit()
    return jsonify(commune_json(commune, with_join_url=True)), 201


@bp.get("/communes")
def index() -> Response:
    account = require_account()
    if not account.is_staff:
        raise Forbidden()
    items = [commune_json(commune, with_join_url=True) for commune in communes_for(account)]
    return jsonify(items=items)
