"""``/communes``: creating commune groups (admins) and listing them (admins, officials)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from app.api.helpers import json_body, require_account
from app.api.spec import documented
from app.communes.schemas import Commune, CommuneList, NewCommune
from app.communes.services import board_code, create_commune_as, join_url
from app.errors import Forbidden
from app.extensions import db
from app.membership.services import communes_for
from app.schema.load import load

bp = Blueprint("communes", __name__)


@bp.post("/communes")
@documented("Create a commune (admin)", {201: Commune}, 403, 409, 422, body=NewCommune)
def create() -> tuple[Response, int]:
    account = require_account()
    if not account.is_admin:
        raise Forbidden()
    new = load(NewCommune, json_body())
    # The same service as the admin page: the commune is placed in the admin's area, and the
    # audit log records who made it.
    commune = create_commune_as(account, new.model_dump())
    db.session.commit()
    base_url = current_app.config["BASE_URL"]
    return jsonify(
        Commune.of(commune, join_url(base_url, commune), board_code(commune)).dump()
    ), 201


@bp.get("/communes")
@documented("The communes I manage (admin) or serve (official)", {200: CommuneList}, 403)
def index() -> Response:
    account = require_account()
    if not account.is_staff:
        raise Forbidden()
    base_url = current_app.config["BASE_URL"]
    items = [Commune.of(c, join_url(base_url, c), board_code(c)) for c in communes_for(account)]
    return jsonify(CommuneList(items=items).dump())
