"""``/api/v1/open311/clients``: admins issue and revoke Open311 API keys."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_babel import gettext as _

from app.accounts.models import Account
from app.api.helpers import json_body, require_account
from app.api.spec import documented
from app.communes.areas import is_national
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.open311 import models
from app.open311.schemas import ApiClient, ApiClientList, IssuedApiClient, NewApiClient
from app.open311.services import issue_client, revoke_client
from app.schema.load import load

bp = Blueprint("open311_clients", __name__)


def _require_admin() -> Account:
    """A national admin: an API key files reports in every commune, so an admin of one
    province or district cannot issue one."""
    account = require_account()
    if not is_national(account):
        raise Forbidden(_("Only national administrators manage Open311 API keys."))
    return account


@bp.post("/open311/clients")
@documented("Issue an Open311 API key (admin)", {201: IssuedApiClient}, 403, 422, body=NewApiClient)
def create() -> tuple[Response, int]:
    admin = _require_admin()
    new = load(NewApiClient, json_body())
    client, key = issue_client(new.name, admin)
    db.session.commit()
    # The key is shown this once; only its hash is stored.
    issued = IssuedApiClient(**ApiClient.model_validate(client).model_dump(), api_key=key)
    return jsonify(issued.dump()), 201


@bp.get("/open311/clients")
@documented("Open311 API clients (admin)", {200: ApiClientList}, 403)
def index() -> Response:
    _require_admin()
    clients = db.session.scalars(db.select(models.ApiClient).order_by(models.ApiClient.id)).all()
    return jsonify(ApiClientList(items=[ApiClient.model_validate(c) for c in clients]).dump())


@bp.delete("/open311/clients/<id:client_id>")
@documented("Revoke an Open311 API key (admin)", {204: None}, 403)
def revoke(client_id: int) -> tuple[str, int]:
    _require_admin()
    if revoke_client(client_id) is None:
        raise NotFound()
    db.session.commit()
    return "", 204
