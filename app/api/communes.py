"""``/communes``: creating commune groups (admins) and listing them (admins, officials)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.api.helpers import json_body, require_account
from app.api.spec import CURSOR, LIMIT, documented, query
from app.communes.schemas import Commune, CommuneList, CommuneQuery, NewCommune
from app.communes.services import board_code, create_commune_as, join_url, page_of_communes
from app.errors import Forbidden
from app.extensions import db
from app.membership.services import communes_for_clause
from app.schema.load import load
from app.schema.query import parameter_schema

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


SEARCH = query(
    "q",
    parameter_schema(CommuneQuery, "q"),
    "Words of the name, with or without diacritics (every one must occur), or the code or "
    "its first digits.",
)


@bp.get("/communes")
@documented(
    "The communes I manage (admin) or serve (official), by name without diacritics",
    {200: CommuneList},
    403,
    422,
    params=(SEARCH, CURSOR, LIMIT),
)
def index() -> Response:
    account = require_account()
    if not account.is_staff:
        raise Forbidden()
    page = load(CommuneQuery, request.args)
    communes, next_cursor = page_of_communes(
        communes_for_clause(account), query=page.q, after_id=page.cursor, limit=page.size()
    )
    base_url = current_app.config["BASE_URL"]
    items = [Commune.of(c, join_url(base_url, c), board_code(c)) for c in communes]
    listed = CommuneList(items=items, next_cursor=str(next_cursor) if next_cursor else None)
    return jsonify(listed.dump())
