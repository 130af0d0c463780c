"""QR boards (PNG, SVG, a printable page, PDF), the console's front page, and the page an old
board's link opens after its token was rotated."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for

from app.accounts.sessions import current_account
from app.admin import services as admin_services
from app.admin.schemas import CommuneSearchQuery
from app.communes.areas import area_name
from app.communes.boards import (
    BOARD_FOOTER,
    BOARD_HEADLINE,
    BOARD_STEPS,
    BOARD_TYPE_URL,
    BoardPage,
    board_png,
    board_svg,
    boards_pdf,
)
from app.communes.errors import BoardReplaced
from app.communes.models import Commune
from app.communes.services import create_commune_as, join_url, typed_join_url
from app.errors import DomainError, Forbidden, error_response, wants_json
from app.extensions import db
from app.membership.services import communes_for
from app.schema.load import load
from app.web import login_required, resident_page, see_other

bp = Blueprint("communes", __name__)


@bp.app_errorhandler(BoardReplaced)
def board_replaced(error: BoardReplaced) -> Response:
    """An old board's link: 410 Gone, and where to find the new board."""
    if wants_json():
        return error_response(error.status, error.code, error.message)
    page = render_template(
        "admin/board_replaced.html", commune_name=error.commune_name, message=error.message
    )
    return Response(page, status=error.status, mimetype="text/html")


def _board_commune(slug: str) -> Commune:
    """Boards are for the admins and for the commune's own officials."""
    return admin_services.staff_commune(current_account(), slug)


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


@bp.get("/communes/<slug>/board.pdf")
def board_pdf_view(slug: str) -> Response:
    commune = _board_commune(slug)
    base_url = current_app.config["BASE_URL"]
    page = BoardPage(commune.name, join_url(base_url, commune), typed_join_url(base_url, commune))
    pdf = boards_pdf([page], title=f"Bảng mã QR · {commune.name}")
    return _board_response(pdf, "application/pdf", commune.slug, "pdf")


@bp.get("/communes/<slug>/board")
@resident_page  # signed out: likely a resident who was sent the link
def board_page(slug: str) -> str:
    """The A4 board as a page to print from the browser (print CSS in static/admin/)."""
    commune = _board_commune(slug)
    return render_template(
        "admin/board.html",
        commune=commune,
        url=join_url(current_app.config["BASE_URL"], commune),
        typed_url=typed_join_url(current_app.config["BASE_URL"], commune),
        headline=BOARD_HEADLINE,
        steps=BOARD_STEPS,
        type_url=BOARD_TYPE_URL,
        footer=BOARD_FOOTER,
    )


# --- the console's front page -----------------------------------------------------------------


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
    account = admin_services.require_admin(current_account())
    try:
        commune = create_commune_as(account, request.form)
    except DomainError as error:
        db.session.rollback()
        return _admin_page(form=request.form, error=error.message), error.status
    db.session.commit()
    # The new commune's own page says it was made, with its QR board and the invitation link.
    return see_other(url_for("admin.commune_page", slug=commune.slug, done="created"))


def _admin_page(form: object, error: str | None) -> str:
    account = current_account()
    assert account is not None
    base_url = current_app.config["BASE_URL"]
    province = district = search = None
    places: list = []
    next_cursor: int | None = None
    found: int | None = None
    cursor: int | None = None
    if account.is_admin:
        area = load(CommuneSearchQuery, request.args)
        province, district, search, cursor = area.province, area.district, area.q, area.cursor
        # One page of a search among thousands, never every commune of the country at once.
        listed, next_cursor = admin_services.find_communes(
            account,
            query=search,
            province=province,
            district=district,
            after_id=cursor,
            limit=area.size(),
        )
        found = admin_services.count_found_communes(
            account, query=search, province=province, district=district
        )
        places = admin_services.provinces_in_area(account)
    else:
        listed = communes_for(account)
    communes = [(commune, join_url(base_url, commune)) for commune in listed]
    return render_template(
        "admin/index.html",
        area=area_name(account),
        communes=communes,
        places=places,
        province=province,
        district=district,
        search=search,
        found=found,
        cursor=cursor,
        next_cursor=next_cursor,
        form=form,
        error=error,
    )
