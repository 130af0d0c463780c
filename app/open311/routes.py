"""``/open311/v2/``: the GeoReport v2 endpoints, in JSON or XML by extension."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import TooManyRequests

from app.extensions import db
from app.media.serving import media_response
from app.media.storage import media_storage
from app.open311 import services
from app.open311.formats import error_response, render
from app.open311.services import Open311Error
from app.ratelimit.services import Limit, hit

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = ("json", "xml")
PER_KEY = Limit("open311-key", 120, 3600)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, "format must be json or xml")
    return fmt


@bp.errorhandler(Open311Error)
def open311_error(error: Open311Error) -> Response:
    # Every other error under /open311/ (unknown routes, wrong methods, 413, 429, 500) takes
    # the same shape through app.errors.error_response.
    return error_response(error.status, error.description)


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    base = current_app.config["BASE_URL"]
    data: dict[str, Any] = {
        "changeset": "2026-11-21T00:00:00+00:00",
        "contact": "Liên hệ Trung tâm Phục vụ hành chính công của xã.",
        "key_service": "Quản trị viên cấp khóa API cho ứng dụng (API key).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": "2026-11-21T00:00:00+00:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render("discovery", data, _format(fmt))


@bp.get("/services.<fmt>")
def service_list(fmt: str) -> Response:
    fmt = _format(fmt)
    commune = services.jurisdiction(request.args.get("jurisdiction_id"), required=True)
    assert commune is not None
    return render("services", services.service_list(commune), fmt)


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str) -> Response:
    fmt = _format(fmt)
    commune = services.jurisdiction(request.args.get("jurisdiction_id"), required=True)
    assert commune is not None
    return render("definition", services.service_definition(services.service(commune, code)), fmt)


def _filing_form() -> dict[str, str]:
    """The form; ``api_key`` and ``jurisdiction_id`` may come in the query string instead,
    as some client libraries send them there even on a POST."""
    form = request.form.to_dict()
    for name in ("api_key", "jurisdiction_id"):
        if not form.get(name) and request.args.get(name):
            form[name] = request.args[name]
    return form


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> Response:
    fmt = _format(fmt)
    form = _filing_form()
    client = services.client_for_key(form.get("api_key"))
    verdict = hit(PER_KEY, f"{PER_KEY.name}:{client.id}")
    if not verdict.allowed:
        error = TooManyRequests("too many requests for this api_key")
        error.retry_after = verdict.retry_after  # werkzeug sends it as Retry-After
        raise error
    commune = services.jurisdiction(form.get("jurisdiction_id"), required=True)
    assert commune is not None
    filed = services.file_request(commune, client, form)
    db.session.commit()
    body = [
        {
            "service_request_id": str(filed.thread.id),
            "token": filed.token,
            "service_notice": None,
            "account_id": None,
        }
    ]
    return render("requests", body, fmt, status=201)


@bp.get("/requests.<fmt>")
def list_requests(fmt: str) -> Response:
    fmt = _format(fmt)
    commune = services.jurisdiction(request.args.get("jurisdiction_id"), required=False)
    threads = services.find_requests(commune, request.args.to_dict())
    return render("requests", services.requests_json(threads, current_app.config["BASE_URL"]), fmt)


@bp.get("/requests/<request_id>.<fmt>")
def one_request(request_id: str, fmt: str) -> Response:
    fmt = _format(fmt)
    thread = services.one_request(request_id)
    body = services.requests_json([thread], current_app.config["BASE_URL"])
    return render("requests", body, fmt)


@bp.get("/media/<name>")
def media(name: str) -> Response:
    """A published report's photo (its ``media_url``), for anyone, without a session."""
    data = media_storage().get(services.published_photo(name))
    if data is None:
        raise Open311Error(404, "no such media")
    response = media_response(data, "image/jpeg")
    # Public, but briefly: a report hidden or unpublished later stops being served soon.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/tokens/<token>.<fmt>")
def token(token: str, fmt: str) -> Response:
    fmt = _format(fmt)
    report = services.request_for_token(token)
    body = [{"service_request_id": str(report.thread_id), "token": report.token}]
    return render("tokens", body, fmt)
