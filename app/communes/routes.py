"""QR board downloads and the admin's commune list."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for

from app.accounts.sessions import current_account
from app.communes.boards import board_png, board_svg
from app.communes.models import Commune
from app.communes.services import communes_for, create_commune, get_commune, join_url
from app.errors import DomainError, Forbidden, NotAuthenticated
from app.extensions import db
from app.membership.models import OFFICIAL
from app.membership.services import role_in
from app.web import login_required, see_other

bp = Blueprint("communes", __name__)


def _board_commune(slug: str) -> Commune:
    """Boards are for the admins and for the commune's own officials."""
    account = current_account()
    if account is None:
        raise NotAuthenticated()
    commune = get_commune(slug)
    if not account.is_admin and role_in(account, commune) != OFFICIAL:
        raise Forbidden()
    return commune


def _board_response(body: bytes, mimetype: str, slug: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="board-{slug}.{extension}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/communes/<slug>/board.png")
def board_png_view(slug: str) -> Response:
    commune = _board_commune(slug)
    url = join_url(current_app.config["BASE_URL"], commune)
    return _board_response(board_png(url), "image/png", commune.slug, "png")


@bp.get("/communes/<slug>/board.svg")
def board_svg_view(slug: str) -> Response:
    commune = _board_commune(slug)
    url = join_url(current_app.config["BASE_URL"], commune)
    return _board_response(board_svg(url), "image/svg+xml", commune.slug, "svg")


@bp.get("/admin")
@login_required
def admin() -> str:
    account = current_account()
    assert account is not None
    if not account.is_staff:
        raise Forbidden()
    return _admin_page(form={}, error=None)


@bp.post("/admin/communes")
@login_required
def admin_create():
    account = current_account()
    assert account is not None
    if not account.is_admin:
        raise Forbidden()
    try:
        commune = create_commune(request.form.get("slug"), request.form.get("name"))
    except DomainError as error:
        return _admin_page(form=request.form, error=error.message), error.status
    db.session.commit()
    return see_other(url_for("communes.admin", _anchor=f"commune-{commune.slug}"))


def _admin_page(form: object, error: str | None) -> str:
    account = current_account()
    assert account is not None
    base_url = current_app.config["BASE_URL"]
    communes = [(commune, join_url(base_url, commune)) for commune in communes_for(account)]
    return render_template("communes/admin.html", communes=communes, form=form, error=error)
