"""Domain errors and the faces of an error: JSON under ``/api/``, an HTML page elsewhere, and
the face a part of the site registers for its own prefix (Open311's list under ``/open311/``,
given by create_app, so this module needs no other concept)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db

#: Renders (status, message) for every error under one path prefix.
ErrorFace = Callable[[int, str], Response]
_FACES_KEY = "error_faces"


class DomainError(Exception):
    """An expected failure that the user can act on. Services raise these; never a bare 500."""

    status = 400
    code = "bad_request"
    default_message: Any = lazy_gettext("The request could not be processed.")

    def __init__(self, message: Any = None, *, field: str | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.field = field
        super().__init__(self.message)


class ValidationError(DomainError):
    status = 422
    code = "invalid"
    default_message = lazy_gettext("Some fields are not valid.")


class BadJson(DomainError, ValueError):
    """A request body that is not the JSON it should be. A ``ValueError`` too, so Werkzeug's
    ``get_json(silent=True)`` reads it as "no JSON" rather than failing."""

    status = 400
    code = "bad_json"
    default_message = lazy_gettext("The request body is not valid JSON.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_signed_in"
    default_message = lazy_gettext("Please sign in first.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = lazy_gettext("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = lazy_gettext("This was not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = lazy_gettext("This conflicts with what already exists.")


T = TypeVar("T")


def require_signed_in(account: T | None) -> T:
    """The caller's account; 401 when nobody is signed in."""
    if account is None:
        raise NotAuthenticated()
    return account


def as_object(data: object) -> dict[str, Any]:
    """A request body that must be a JSON object (or a page's form, already a dict)."""
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return data


def _http_messages() -> dict[int, str]:
    return {
        400: _("The request was malformed."),
        401: _("Please sign in first."),
        403: _("You are not allowed to do this."),
        404: _("This page or resource does not exist."),
        405: _("This method is not allowed here."),
        413: _("What you sent is too large."),
        415: _("Send the request body as JSON (Content-Type: application/json)."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is briefly unavailable. Please try again in a moment."),
    }


def wants_json() -> bool:
    """API clients get JSON; browsers on pages get HTML."""
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    """Render one error in the envelope the caller expects."""
    faces: Mapping[str, ErrorFace] = current_app.extensions.get(_FACES_KEY, {})
    for prefix, face in faces.items():
        if request.path.startswith(prefix):
            return face(status, message)
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if field:
            body["field"] = field
        response = jsonify(error=body)
    else:
        response = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    return response


def init_app(app: Flask, faces: Mapping[str, ErrorFace] | None = None) -> None:
    """Register handlers so that every failure has a clear message and the right status;
    ``faces`` maps a path prefix to how errors under it look."""
    app.extensions[_FACES_KEY] = dict(faces or {})

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Response:
        return error_response(error.status, error.code, error.message, error.field)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = _http_messages().get(status) or error.description or error.name
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(status, code, message)
        # Keep headers such as Allow and Retry-After that the exception carries.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    def handle_database_down(error: OperationalError) -> Response:
        # The database is unreachable or busy: nothing was committed, the caller may retry.
        db.session.rollback()
        # The driver's first line says what failed ("database is locked", "connection
        # refused"); the statement and its parameters (people's words) are never logged.
        reason = str(getattr(error, "orig", error)).splitlines()[0][:200]
        app.logger.error("Database unavailable on %s %s: %s", request.method, _route_name(), reason)
        response = error_response(503, "unavailable", _http_messages()[503])
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        app.logger.exception("Unhandled error on %s %s", request.method, _route_name())
        return error_response(500, "internal_error", _http_messages()[500])


def _route_name() -> str:
    """The matched route pattern: logging the real path could leak a join token."""
    return request.url_rule.rule if request.url_rule else "(no route)"
