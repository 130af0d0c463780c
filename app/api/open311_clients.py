"""``/api/v1/open311/clients``: admins issue and revoke Open311 API keys."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_babel import gettext as _

from app.api.helpers import json_body, require_account
from app.communes.areas import is_national
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.models_base import isoformat
from app.open311.models import ApiClient
from app.open311.services import issue_client, revoke_client

bp = Blueprint("open311_clients", __name__)


def _require_admin():
    """A national admin: an API key files reports in every commune, so an admin of one
    province or district cannot issue one."""
    account = require_account()
    if not is_national(account):
        raise Forbidden(_("Only national administrators manage Open311 API keys."))
    return account


def _client_json(client: ApiClient) -> dict:
    return {
        "id": client.id,
        "name": client.name,
        "created_at": isoformat(client.created_at),
        "revoked_at": isoformat(client.revoked_at) if client.revoked_at else None,
    }


@bp.post("/open311/clients")
def create() -> tuple[Response, int]:
    admin = _require_admin()
    client, key = issue_client(json_body().get("name"), admin)
    db.session.commit()
    # The key is shown this once; only its hash is stored.
    return jsonify({**_client_json(client), "api_key": key}), 201


@bp.get("/open311/clients")
def index() -> Response:
    _require_admin()
    clients = db.session.scalars(db.select(ApiClient).order_by(ApiClient.id)).all()
    return jsonify(items=[_client_json(client) for client in clients])


@bp.delete("/open311/clients/<id:client_id>")
def revoke(client_id: int) -> tuple[str, int]:
    _require_admin()
    if revoke_client(client_id) is None:
        raise NotFound()
    db.session.commit()
    return "", 204
