"""The versioned JSON API, ``/api/v1``: one module (and nested blueprint) per resource."""

from flask import Blueprint, Flask

from app.api import (
    accountability,
    accounts,
    admin,
    announcements,
    auth,
    communes,
    days_off,
    membership,
    open311_clients,
    openapi,
    push,
    threads,
    workspace,
)
from app.config import DEFAULTS
from app.web import IdConverter

RESOURCES = (
    auth,
    communes,
    membership,
    threads,
    announcements,
    push,
    workspace,
    admin,
    days_off,
    accounts,
    open311_clients,
    accountability,
    openapi,
)


def create_api_blueprint() -> Blueprint:
    """Build the ``/api/v1`` blueprint from every resource module's blueprint."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for module in RESOURCES:
        api.register_blueprint(module.bp)
    return api


def api_app() -> Flask:
    """A bare app holding only the API's routes: enough to build the OpenAPI document without
    configuration or a database (the tests list its operations this way)."""
    bare = Flask("openapi")
    bare.config["SESSION_COOKIE_NAME"] = DEFAULTS["SESSION_COOKIE_NAME"]
    bare.url_map.converters["id"] = IdConverter
    bare.register_blueprint(create_api_blueprint())
    return bare
