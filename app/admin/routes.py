"""Pages of the admin console (under /admin), the official's invitation page (/invite/<token>),
and the statistics pages (a commune's for its staff, and the public one at /c/<slug>/stats)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.accountability.days_off import (
    add_day_off,
    days_off,
    manages_province,
    province_name,
    remove_day_off,
)
from app.accounts.models import Account
from app.accounts.sessions import current_account, sign_in
from app.admin import services
from app.admin.exports import summary_csv, weekly_csv
from app.admin.schemas import AdminStatsQuery, AreaQuery, InvitePickerQuery, WeeksQuery
from app.admin.stats import Window
from app.admin.views import answer_chart, duration, percent, weekly_chart
from app.communes.areas import area_name
from app.communes.boards import BoardPage, stream_boards_pdf
from app.communes.imports import ImportRejected, import_communes
from app.communes.provinces import official_provinces
from app.communes.services import (
    board_code,
    get_commune,
    join_url,
    rotate_join_token,
    slugify,
    typed_join_url,
    update_commune,
)
from app.errors import DomainError, NotFound, ValidationError, error_response, wants_json
from app.extensions import db
from app.mail import mail_configured, send_mail
from app.membership.models import OFFICIAL
from app.membership.services import officials_of, role_in
from app.models_base import utcnow
from app.schema.load import load
from app.schema.query import PageQuery
from app.web import login_required, see_other

bp = Blueprint("admin", __name__)


@bp.app_errorhandler(ImportRejected)
def import_rejected(error: ImportRejected) -> Response:
    """A rejected CSV file: the usual envelope plus every bad line (``rows``)."""
    if not wants_json():
        return error_response(error.status, error.code, error.message)
    response = jsonify(error={"code": error.code, "message": error.message, "rows": error.rows})
    response.status_code = error.status
    return response


@bp.app_context_processor
def stats_helpers() -> dict[str, Any]:
    return {"fmt_duration": duration, "fmt_percent": percent}


def _admin() -> Any:
    return services.require_admin(current_account())


def _window(weeks: int) -> Window:
    return services.stats_window(weeks, current_app.config["BABEL_DEFAULT_TIMEZONE"])


# --- one commune ------------------------------------------------------------------------------


def _commune_page(
    slug: str,
    *,
    form: Any = None,
    error: str | None = None,
    status: int = 200,
    reset: dict[str, Any] | None = None,
):
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    page = render_template(
        "admin/commune.html",
        commune=commune,
        join_url=join_url(current_app.config["BASE_URL"], commune),
        join_code=board_code(commune),
        typed_url=typed_join_url(current_app.config["BASE_URL"], commune),
        officials=officials_of(commune),
        form=form if form is not None else commune_form(commune),
        error=error,
        me=actor,
        notice=request.args.get("done"),
        reset=reset,
    )
    return page, status


def commune_form(commune: Any) -> dict[str, str]:
    return {key: getattr(commune, key) or "" for key in ("name", "code", "district", "province")}


@bp.get("/admin/communes/<slug>")
@login_required
def commune_page(slug: str):
    return _commune_page(slug)


@bp.post("/admin/communes/<slug>")
@login_required
def commune_edit(slug: str):
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    fields = {key: request.form.get(key, "") for key in ("name", "code", "district", "province")}
    try:
        update_commune(commune, actor, fields)
    except DomainError as error:
        db.session.rollback()
        return _commune_page(slug, form=fields, error=error.message, status=error.status)
    db.session.commit()
    return see_other(url_for("admin.commune_page", slug=commune.slug, done="saved"))


@bp.post("/admin/communes/<slug>/open311")
@login_required
def commune_open311(slug: str):
    """Turn Open311's publication of the commune's public reports on or off (a checkbox)."""
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    update_commune(commune, actor, {"open311_public": request.form.get("open311_public") == "on"})
    db.session.commit()
    return see_other(url_for("admin.commune_page", slug=commune.slug, done="saved"))


@bp.post("/admin/communes/<slug>/rotate-token")
@login_required
def commune_rotate(slug: str):
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    rotate_join_token(commune, actor)
    db.session.commit()
    return see_other(url_for("admin.commune_page", slug=commune.slug, done="rotated"))


@bp.post("/admin/communes/<slug>/officials/<id:account_id>/revoke")
@login_required
def official_revoke(slug: str, account_id: int):
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    try:
        services.revoke_official(actor, commune, account_id)
    except DomainError as error:
        db.session.rollback()
        return _commune_page(slug, error=error.message, status=error.status)
    db.session.commit()
    return see_other(url_for("admin.commune_page", slug=commune.slug, done="revoked"))


@bp.post("/admin/communes/<slug>/officials/<id:account_id>/second-factor/reset")
@login_required
def official_second_factor_reset(slug: str, account_id: int):
    """For an official who lost their phone: sign-in goes back to the password alone."""
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    target = db.session.get(Account, account_id) if account_id else None
    if target is None or role_in(target, commune) != OFFICIAL:
        raise NotFound()
    try:
        services.reset_second_factor(actor, account_id)
    except DomainError as error:
        db.session.rollback()
        return _commune_page(slug, error=error.message, status=error.status)
    db.session.commit()
    return see_other(url_for("admin.commune_page", slug=commune.slug, done="factor_reset"))


@bp.post("/admin/communes/<slug>/officials/<id:account_id>/password-reset")
@login_required
def official_password_reset(slug: str, account_id: int):
    """For an official who forgot their password: a one-time link, shown once, that the admin
    hands over (in person, by phone or message); it ends when used or after a day."""
    actor = _admin()
    commune = services.admin_commune(actor, slug)
    target = db.session.get(Account, account_id) if account_id else None
    if target is None or role_in(target, commune) != OFFICIAL:
        raise NotFound()
    try:
        target, token = services.issue_password_reset(actor, account_id)
    except DomainError as error:
        db.session.rollback()
        return _commune_page(slug, error=error.message, status=error.status)
    db.session.commit()
    link = services.password_reset_url(current_app.config["BASE_URL"], token)
    mailed = None
    if mail_configured(current_app.config):
        # After the commit: a slow or refusing mail server never holds the transaction.
        subject, body = services.password_reset_mail(target, actor, link)
        mailed = send_mail(current_app.config, target.email, subject, body)
    page = _commune_page(slug, reset={"account": target, "url": link, "mailed": mailed})[0]
    # The link is a key to the account: never kept by the browser, a proxy or the worker.
    return Response(page, status=201, headers={"Cache-Control": "no-store"})


# --- CSV import -------------------------------------------------------------------------------


@bp.get("/admin/import")
@login_required
def import_page() -> str:
    _admin()
    return render_template("admin/import.html", result=None, error=None, rows=[])


@bp.post("/admin/import")
@login_required
def import_submit():
    actor = _admin()
    upload = request.files.get("file")
    has_file = upload is not None and bool(upload.filename)
    data: bytes | str = upload.read() if upload and has_file else request.form.get("csv", "")
    try:
        if not data or (isinstance(data, str) and not data.strip()):
            raise ValidationError(_("Choose a CSV file or paste its lines."), field="file")
        result = import_communes(data, actor)
    except ImportRejected as error:
        db.session.rollback()
        page = render_template(
            "admin/import.html", result=None, error=error.message, rows=error.rows
        )
        return page, error.status
    except DomainError as error:
        db.session.rollback()
        page = render_template("admin/import.html", result=None, error=error.message, rows=[])
        return page, error.status
    db.session.commit()
    return render_template("admin/import.html", result=result, error=None, rows=[])


# --- invitations ------------------------------------------------------------------------------


def _invite_form(values: Any, *, chosen: list[str]) -> dict[str, Any]:
    """The invitation form as typed (a form or a query string): the person, the communes
    ticked (``communes``; ``commune`` in a link from a commune's page) and the search."""
    form = {
        key: values.get(key, "")
        for key in ("email", "display_name", "codes", "find", "find_province", "after")
    }
    form["communes"] = chosen
    return form


def _invites_page(
    form: dict[str, Any], *, error: str | None = None, created: Any = None, status: int = 200
):
    actor = _admin()
    paging = load(PageQuery, request.args)
    invitations, next_cursor = services.pending_invitations_page(
        actor, before_id=paging.cursor, limit=paging.size()
    )
    picker = None
    try:
        search = load(InvitePickerQuery, form)
        picker = services.invitation_picker(
            actor,
            chosen=form["communes"],
            codes=search.codes,
            query=search.find,
            province=search.find_province,
            after_id=search.after,
        )
        form = {**form, "codes": ""}  # now ticked among the chosen communes
    except DomainError as error_found:
        db.session.rollback()
        error, status = error or error_found.message, max(status, error_found.status)
    if picker is None:  # a bad search or code: the chosen communes and the first page again
        picker = services.invitation_picker(actor, chosen=form["communes"])
    places = services.provinces_in_area(actor)
    page = render_template(
        "admin/invites.html",
        invitations=invitations,
        cursor=paging.cursor,
        next_cursor=next_cursor,
        picker=picker,
        provinces=[place for place in places if place.key],
        form=form,
        error=error,
        created=created,
        notice=request.args.get("done"),
    )
    return page, status


@bp.get("/admin/invites")
@login_required
def invites_page():
    """The form and the pending invitations; ``?find=&find_province=`` is the commune search
    (what static/admin/picker.js asks for as the admin types)."""
    return _invites_page(_invite_form(request.args, chosen=request.args.getlist("commune")))


@bp.post("/admin/invites")
@login_required
def invites_create():
    """Create the invitation; or, with the form's search button (``action=find``, or the
    next page of results, ``after``), show the form again with what the search found, the
    typed fields and the ticked communes kept (how the picker works without script)."""
    actor = _admin()
    form = _invite_form(request.form, chosen=request.form.getlist("communes"))
    if request.form.get("action") == "find" or request.form.get("after"):
        return _invites_page(form)
    try:
        created = services.create_invitation(actor, form)
    except DomainError as error:
        db.session.rollback()
        return _invites_page(form, error=error.message, status=error.status)
    db.session.commit()
    link = services.invitation_url(current_app.config["BASE_URL"], created.token)
    return _invites_page(
        _invite_form({}, chosen=[]),
        created={"invitation": created.invitation, "url": link},
        status=201,
    )


@bp.post("/admin/invites/<id:invitation_id>/revoke")
@login_required
def invites_revoke(invitation_id: int):
    actor = _admin()
    try:
        services.revoke_invitation(actor, invitation_id)
    except DomainError as error:
        db.session.rollback()
        form = _invite_form({}, chosen=[])
        return _invites_page(form, error=error.message, status=error.status)
    db.session.commit()
    return see_other(url_for("admin.invites_page", done="revoked"))


# --- the official's side of an invitation -----------------------------------------------------


def _accept_page(
    token: str, *, error: str | None = None, display_name: str | None = None, status: int = 200
):
    invitation = services.open_invitation(token)
    account = current_account()
    existing = services.existing_account(invitation)
    page = render_template(
        "admin/invite_accept.html",
        invitation=invitation,
        token=token,
        existing=existing,
        signed_in_as_existing=existing is not None
        and account is not None
        and account.id == existing.id,
        display_name=display_name if display_name is not None else invitation.display_name or "",
        error=error,
    )
    return page, status


@bp.get("/invite/<token>")
def invite_page(token: str):
    return _accept_page(token)


@bp.post("/invite/<token>")
def invite_accept(token: str):
    services.open_invitation(token)  # a used, withdrawn or unknown link: its own page
    display_name = request.form.get("display_name", "")
    data = {"display_name": display_name, "password": request.form.get("password", "")}
    try:
        if request.form.get("password_again", data["password"]) != data["password"]:
            raise ValidationError(_("The two passwords are not the same."), field="password")
        account = services.accept_invitation(token, data, current_account())
    except DomainError as error:
        db.session.rollback()
        return _accept_page(
            token, error=error.message, display_name=display_name, status=error.status
        )
    sign_in(account)
    db.session.commit()
    return see_other(url_for("membership.home"))


# --- statistics -------------------------------------------------------------------------------


@bp.get("/admin/days-off")
@login_required
def days_off_index() -> str:
    """The provinces whose days off the admin manages (all 34 for a national admin)."""
    actor = _admin()
    managed = [
        (province.code, province.name)
        for province in official_provinces()
        if manages_province(actor, province.code)
    ]
    return render_template("admin/days_off_index.html", provinces=managed)


def _days_off_page(
    code: str, *, form: dict | None = None, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    rows = days_off(code, current_account())
    return render_template(
        "admin/days_off.html",
        code=code,
        province=province_name(code),
        rows=rows,
        form=form or {},
        error=error,
    ), status


@bp.get("/admin/provinces/<code>/days-off")
@login_required
def days_off_page(code: str):
    return _days_off_page(code)


@bp.post("/admin/provinces/<code>/days-off")
@login_required
def days_off_add(code: str):
    form = {"day": request.form.get("day", ""), "name": request.form.get("name", "")}
    try:
        add_day_off(code, current_account(), form)
    except DomainError as error:
        db.session.rollback()
        if error.status in (401, 403, 404):
            raise
        return _days_off_page(code, form=form, error=error.message, status=error.status)
    db.session.commit()
    return see_other(url_for("admin.days_off_page", code=code, done="added"))


@bp.post("/admin/provinces/<code>/days-off/<day>/delete")
@login_required
def days_off_remove(code: str, day: str):
    remove_day_off(code, day, current_account())
    db.session.commit()
    return see_other(url_for("admin.days_off_page", code=code, done="removed"))


@bp.get("/admin/overdue")
@login_required
def overdue_page() -> str:
    """The communes of the admin's area with overdue threads, the most first (names and
    counts: the admins do not read the threads): what their morning digest lists."""
    actor = _admin()
    rows = services.overdue_communes(actor, utcnow())
    return render_template(
        "admin/overdue.html", rows=rows, area=area_name(actor), total=sum(r.count for r in rows)
    )


@bp.get("/admin/stats")
@login_required
def stats_page() -> str:
    actor = _admin()
    query = load(AdminStatsQuery, request.args)
    province, district = query.province, query.district
    win = _window(query.weeks)
    page = services.admin_report_page(
        actor,
        win,
        province=province,
        district=district,
        query=query.q,
        after_id=query.cursor,
        limit=query.size(),
    )
    report = page.report
    # Two tiers since 2025: the country by province, a province (or a search) by commune.
    level = "communes" if province is not None or district is not None else "provinces"
    return render_template(
        "admin/stats.html",
        report=report,
        page=page,
        search=query.q,
        cursor=query.cursor,
        limit=query.limit,
        win=win,
        province=province,
        district=district,
        level=level,
        weekly=weekly_chart(win, report.total),
        answers=answer_chart(report.total),
        weeks=len(win.labels),
    )


@bp.get("/admin/stats.csv")
@login_required
def stats_csv() -> Response:
    actor = _admin()
    query = load(AdminStatsQuery, request.args)
    province, district = query.province, query.district
    win = _window(query.weeks)
    report = services.admin_report(actor, win, province=province, district=district)
    weekly = request.args.get("by") == "week"
    body = weekly_csv(report) if weekly else summary_csv(report)
    name = "-".join(
        filter(
            None,
            ["stats", _file_part(province), _file_part(district), "weekly" if weekly else None],
        )
    )
    response = Response("\ufeff" + body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _file_part(value: str | None) -> str | None:
    if not value:
        return None
    return slugify(value)[:40]


@bp.get("/communes/<slug>/stats")
@login_required
def commune_stats_page(slug: str) -> str:
    commune = services.staff_commune(current_account(), slug)
    win = _window(load(WeeksQuery, request.args).weeks)
    figures = services.commune_figures(commune, win)
    return render_template(
        "admin/commune_stats.html",
        commune=commune,
        win=win,
        figures=figures,
        weekly=weekly_chart(win, figures),
        answers=answer_chart(figures),
    )


@bp.get("/c/<slug>/stats")
def public_stats_page(slug: str) -> str:
    commune = get_commune(slug)
    win = _window(load(WeeksQuery, request.args).weeks)
    figures = services.commune_figures(commune, win)
    return render_template(
        "admin/public_stats.html",
        commune=commune,
        win=win,
        figures=figures,
        answers=answer_chart(figures, shares_only=True) if figures.enough_for_public else None,
    )


# --- board PDFs for many communes -------------------------------------------------------------


def _area_boards(actor: Any, province: str | None, district: str | None) -> list[BoardPage]:
    """Every board of the admin's communes of one province or district (all of them if
    neither), read before the PDF streams: the stream itself needs no database."""
    communes = services.managed_communes(actor, province=province, district=district)
    if not communes:
        raise NotFound(_("No commune matches this province and district."))
    base_url = current_app.config["BASE_URL"]
    return [
        BoardPage(commune.name, join_url(base_url, commune), typed_join_url(base_url, commune))
        for commune in communes
    ]


@bp.get("/admin/boards")
@login_required
def boards_page() -> str:
    """The page that prints a province's or district's boards: it starts the PDF and shows
    how many pages have arrived (static/admin/boards.js); without script, a plain link."""
    actor = _admin()
    area = load(AreaQuery, request.args)
    pages = services.count_found_communes(actor, province=area.province, district=area.district)
    return render_template(
        "admin/boards.html",
        province=area.province,
        district=area.district,
        pages=pages,
        pdf_url=url_for("admin.boards_pdf_view", province=area.province, district=area.district),
    )


@bp.get("/admin/boards.pdf")
@login_required
def boards_pdf_view() -> Response:
    """One PDF page per commune, streamed: each page is sent as soon as it is drawn, so the
    download starts at once and the boards page counts the pages as they arrive."""
    actor = _admin()
    area = load(AreaQuery, request.args)
    province, district = area.province, area.district
    boards = _area_boards(actor, province, district)
    title = " · ".join(filter(None, ["Bảng mã QR", province, district]))
    name = "-".join(filter(None, ["boards", _file_part(province), _file_part(district)]))
    response = Response(stream_boards_pdf(boards, title=title), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response.headers["Cache-Control"] = "private, no-cache"
    # nginx passes each page on as it comes instead of holding the whole file (deploy/nginx.conf
    # buffers other responses, to spare gunicorn's threads on slow links).
    response.headers["X-Accel-Buffering"] = "no"
    response.headers["X-Board-Pages"] = str(len(boards))
    return response
