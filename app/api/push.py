"""Web push: the server's key, device subscriptions, and per-commune notification switches."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.accounts.sessions import current_session_id
from app.api.helpers import json_body, require_account
from app.api.spec import documented
from app.extensions import db
from app.membership.preferences import preferences, update_preferences
from app.membership.schemas import Preferences, Switches
from app.membership.services import member_commune, membership_of
from app.push.keys import allowed_hosts, vapid_key
from app.push.schemas import ServerKey, Subscribed, Subscription, Unsubscription
from app.push.subscriptions import subscribe, unsubscribe

bp = Blueprint("push", __name__)


@bp.get("/push/key")
@documented("The VAPID application server key", {200: ServerKey}, signed_in=False)
def key() -> Response:
    response = jsonify(ServerKey(public_key=vapid_key().application_server_key).dump())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.post("/push/subscriptions")
@documented(
    "Subscribe this browser (PushSubscription.toJSON())",
    {201: Subscribed, 200: Subscribed},
    422,
    body=Subscription,
)
def create_subscription() -> tuple[Response, int]:
    account = require_account()
    created = subscribe(account, json_body(), allowed_hosts(), session_id=current_session_id())
    db.session.commit()
    return jsonify(Subscribed(subscribed=True).dump()), 201 if created else 200


@bp.delete("/push/subscriptions")
@documented("Unsubscribe this browser", {204: None}, 422, body=Unsubscription)
def delete_subscription() -> tuple[str, int]:
    account = require_account()
    unsubscribe(account, json_body().get("endpoint"))
    db.session.commit()
    return "", 204


@bp.get("/communes/<slug>/notifications")
@documented("My notification switches in a commune", {200: Preferences}, 403)
def get_preferences(slug: str) -> Response:
    account = require_account()
    commune, _role = member_commune(slug, account)
    membership = membership_of(account, commune)
    assert membership is not None
    return jsonify(Preferences(**preferences(membership)).dump())


@bp.put("/communes/<slug>/notifications")
@documented("Turn kinds of notification on or off", {200: Preferences}, 403, 422, body=Switches)
def put_preferences(slug: str) -> Response:
    account = require_account()
    commune, _role = member_commune(slug, account)
    membership = membership_of(account, commune)
    assert membership is not None
    result = update_preferences(membership, json_body())
    db.session.commit()
    return jsonify(Preferences(**result).dump())
