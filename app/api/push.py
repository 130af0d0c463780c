"""Web push: the server's key, device subscriptions, and per-commune notification switches."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.accounts.sessions import current_session_id
from app.api.helpers import json_body, require_account
from app.extensions import db
from app.membership.preferences import preferences, update_preferences
from app.membership.services import member_commune, membership_of
from app.push.keys import allowed_hosts, vapid_key
from app.push.subscriptions import subscribe, unsubscribe

bp = Blueprint("push", __name__)


@bp.get("/push/key")
def key() -> Response:
    response = jsonify(public_key=vapid_key().application_server_key)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.post("/push/subscriptions")
def create_subscription() -> tuple[Response, int]:
    account = require_account()
    created = subscribe(account, json_body(), allowed_hosts(), session_id=current_session_id())
    db.session.commit()
    return jsonify(subscribed=True), 201 if created else 200


@bp.delete("/push/subscriptions")
def delete_subscription() -> tuple[str, int]:
    account = require_account()
    unsubscribe(account, json_body().get("endpoint"))
    db.session.commit()
    return "", 204


@bp.get("/communes/<slug>/notifications")
def get_preferences(slug: str) -> Response:
    account = require_account()
    commune, _role = member_commune(slug, account)
    membership = membership_of(account, commune)
    assert membership is not None
    return jsonify(preferences(membership))


@bp.put("/communes/<slug>/notifications")
def put_preferences(slug: str) -> Response:
    account = require_account()
    commune, _role = member_commune(slug, account)
    membership = membership_of(account, commune)
    assert membership is not None
    result = update_preferences(membership, json_body())
    db.session.commit()
    return jsonify(result)
