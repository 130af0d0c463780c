"""The versioned JSON API, ``/api/v1``: one module (and nested blueprint) per resource."""

from flask import Blueprint

from app.api import (
    accounts,
    admin,
    announcements,
    auth,
    communes,
    membership,
    open311_clients,
    openapi,
    push,
    threads,
    workspace,
)


def create_api_blueprint() -> Blueprint:
    """Build the ``/api/v1`` blueprint from every resource module's blueprint."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for module in (
        auth,
        communes,
        membership,
        threads,
        announcements,
        push,
        workspace,
        admin,
        accounts,
        open311_clients,
        openapi,
    ):
        api.register_blueprint(module.bp)
    return api
