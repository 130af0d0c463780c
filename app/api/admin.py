"""``/api/v1`` endpoints of the admin console: communes in bulk and one by one, token rotation,
invitations, officials, statistics. The contract is in docs/admin.md."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import UnsupportedMediaType

from app.accounts.schemas import User
from app.accounts.sessions import current_account, sign_in
from app.admin import services
from app.admin.schemas import (
    Acceptance,
    Accepted,
    AdminStats,
    AdminStatsQuery,
    AreaFilter,
    CommuneAdmin,
    CommuneChange,
    CommuneStats,
    Figures,
    ImportResult,
    Invitation,
    InvitationList,
    InvitationRequest,
    IssuedInvitation,
    JoinUrl,
    Official,
    OfficialList,
    PublicResponse,
    PublicStats,
    RevokedCommunes,
    WeeksQuery,
)
from app.admin.schemas import Window as StatsWindow
from app.admin.stats import Window
from app.api.communes import SEARCH
from app.api.helpers import json_body, page_query
from app.api.spec import (
    CURSOR,
    JSON,
    LIMIT,
    STR,
    Schema,
    array,
    documented,
    fields,
    obj,
    query,
    ref,
)
from app.communes.imports import import_communes
from app.communes.models import Commune
from app.communes.schemas import CommuneRef
from app.communes.services import (
    board_code,
    get_commune,
    join_url,
    rotate_join_token,
    update_commune,
)
from app.errors import ValidationError
from app.extensions import db
from app.membership.schemas import MyCommune
from app.membership.services import memberships_of, officials_of
from app.schema.load import load

bp = Blueprint("admin", __name__)

WEEKS = query("weeks", {"type": "integer", "minimum": 1, "maximum": 52}, "Weeks shown (12).")
PLACE = {"type": "string", "maxLength": 120}


def _commune_admin(commune: Commune) -> CommuneAdmin:
    return CommuneAdmin.of(commune, current_app.config["BASE_URL"])


def _import_body() -> Schema:
    """A multipart upload (field ``file``) or the CSV itself."""
    csv = {"type": "string", "description": "columns code, name, district, province"}
    upload = fields("file", file={"type": "string", "contentMediaType": "text/csv"})
    content = {"multipart/form-data": {"schema": upload}}
    content |= {"text/csv": {"schema": csv}, "text/plain": {"schema": csv}}
    return {"required": True, "content": content}


def _import_rejected() -> dict[int, Schema]:
    rows = array(obj(line={"type": "integer", "minimum": 1}, message=STR))
    rejected = {"properties": {"error": {"properties": {"rows": rows}}}}
    return {
        422: {
            "description": "Nothing applied: no file, or the bad lines (`rows`).",
            "content": {JSON: {"schema": {"allOf": [ref("Error"), rejected]}}},
        }
    }


# --- communes ---------------------------------------------------------------------------------


def _csv_upload() -> bytes:
    """The CSV file: a multipart upload (field ``file``) or the body itself (``text/csv``)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError(_('Attach the CSV file (form field "file").'), field="file")
        return upload.read()
    if request.mimetype in ("text/csv", "text/plain"):
        return request.get_data(cache=False)
    raise UnsupportedMediaType()


@bp.post("/communes/import")
@documented(
    "Import communes from a CSV file (admin): every row or none",
    {200: ImportResult},
    403,
    413,
    415,
    body=_import_body(),
    special=_import_rejected(),
)
def import_csv() -> Response:
    actor = services.require_admin(current_account())
    result = import_communes(_csv_upload(), actor)
    db.session.commit()
    return jsonify(ImportResult(**result.as_dict()).dump())


@bp.patch("/communes/<slug>")
@documented(
    "Edit a commune (admin); null or empty clears district, province, code;"
    " open311_public: whether Open311 publishes its public reports",
    {200: CommuneAdmin},
    403,
    409,
    422,
    body=CommuneChange,
)
def edit_commune(slug: str) -> Response:
    actor = current_account()
    commune = services.admin_commune(actor, slug)
    assert actor is not None
    update_commune(commune, actor, json_body())
    db.session.commit()
    return jsonify(_commune_admin(commune).dump())


@bp.post("/communes/<slug>/rotate-token")
@documented(
    "Replace the commune's QR board (admin); the old token then answers 410", {200: JoinUrl}, 403
)
def rotate_token(slug: str) -> Response:
    actor = current_account()
    commune = services.admin_commune(actor, slug)
    assert actor is not None
    rotate_join_token(commune, actor)
    db.session.commit()
    url = join_url(current_app.config["BASE_URL"], commune)
    return jsonify(JoinUrl(join_url=url, join_code=board_code(commune)).dump())


# --- officials --------------------------------------------------------------------------------


@bp.get("/communes/<slug>/officials")
@documented("A commune's officials (admin)", {200: OfficialList}, 403)
def officials(slug: str) -> Response:
    commune = services.admin_commune(current_account(), slug)
    items = [Official.model_validate(account) for account in officials_of(commune)]
    return jsonify(OfficialList(items=items).dump())


@bp.delete("/communes/<slug>/officials/<id:account_id>")
@documented("Revoke an official in one commune (admin)", {204: None}, 403, 409)
def revoke_official(slug: str, account_id: int) -> tuple[str, int]:
    actor = current_account()
    commune = services.admin_commune(actor, slug)
    assert actor is not None
    services.revoke_official(actor, commune, account_id)
    db.session.commit()
    return "", 204


@bp.delete("/officials/<id:account_id>")
@documented("Revoke an official in every commune (admin)", {200: RevokedCommunes}, 403, 409)
def revoke_official_everywhere(account_id: int) -> Response:
    actor = services.require_admin(current_account())
    communes = services.revoke_official_everywhere(actor, account_id)
    db.session.commit()
    return jsonify(RevokedCommunes(communes=[commune.slug for commune in communes]).dump())


# --- invitations ------------------------------------------------------------------------------


@bp.post("/invites")
@documented("Invite an official (admin)", {201: IssuedInvitation}, 403, 422, body=InvitationRequest)
def create_invite() -> tuple[Response, int]:
    actor = services.require_admin(current_account())
    created = services.create_invitation(actor, json_body())
    db.session.commit()
    url = services.invitation_url(current_app.config["BASE_URL"], created.token)
    body = IssuedInvitation(**Invitation.of(created.invitation).model_dump(), invite_url=url)
    return jsonify(body.dump()), 201


@bp.get("/invites")
@documented(
    "Pending invitations, newest first (admin)",
    {200: InvitationList},
    403,
    422,
    params=(CURSOR, LIMIT),
)
def list_invites() -> Response:
    actor = services.require_admin(current_account())
    page = page_query()
    invitations, next_cursor = services.pending_invitations_page(
        actor, before_id=page.cursor, limit=page.size()
    )
    items = [Invitation.of(invitation) for invitation in invitations]
    cursor = str(next_cursor) if next_cursor is not None else None
    return jsonify(InvitationList(items=items, next_cursor=cursor).dump())


@bp.delete("/invites/<id:invitation_id>")
@documented("Withdraw an invitation (admin)", {204: None}, 403, 409)
def revoke_invite(invitation_id: int) -> tuple[str, int]:
    actor = services.require_admin(current_account())
    services.revoke_invitation(actor, invitation_id)
    db.session.commit()
    return "", 204


@bp.post("/invites/<token>/accept")
@documented(
    "Accept an invitation; sets the session cookie",
    {201: Accepted, 200: Accepted},
    409,
    410,
    422,
    signed_in=False,
    body=Acceptance,
    description="201: a new account; 200: the signed-in account with the invited email "
    "(409 when that email has an account the caller is not signed in to).",
)
def accept_invite(token: str) -> tuple[Response, int]:
    signed_in = current_account()
    data = json_body()
    account = services.accept_invitation(token, data, signed_in)
    created = signed_in is None or signed_in.id != account.id
    communes = [
        MyCommune(slug=m.commune.slug, name=m.commune.name, role=m.role)
        for m in memberships_of(account)
    ]
    sign_in(account)
    db.session.commit()
    user = User(id=account.id, email=account.email, role=account.kind)
    return jsonify(Accepted(user=user, communes=communes).dump()), 201 if created else 200


# --- statistics -------------------------------------------------------------------------------


def _window(weeks: int) -> Window:
    return services.stats_window(weeks, current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.get("/communes/<slug>/stats")
@documented(
    "A commune's statistics (admin, or its official)",
    {200: CommuneStats},
    403,
    422,
    params=(WEEKS,),
)
def commune_stats(slug: str) -> Response:
    commune = services.staff_commune(current_account(), slug)
    win = _window(load(WeeksQuery, request.args).weeks)
    figures = services.commune_figures(commune, win)
    body = CommuneStats(
        commune=_commune_admin(commune),
        **StatsWindow.fields_of(win),
        figures=Figures.of(figures),
    )
    return jsonify(body.dump())


@bp.get("/communes/<slug>/stats/public")
@documented(
    "A commune's public response figures",
    {200: PublicStats},
    422,
    signed_in=False,
    params=(WEEKS,),
)
def public_commune_stats(slug: str) -> Response:
    commune = get_commune(slug)
    win = _window(load(WeeksQuery, request.args).weeks)
    figures = services.commune_figures(commune, win)
    body = PublicStats(
        commune=CommuneRef.model_validate(commune),
        **StatsWindow.fields_of(win),
        response=PublicResponse.of(figures),
    )
    return jsonify(body.dump())


@bp.get("/stats")
@documented(
    "Statistics of every commune, by province (admin)",
    {200: AdminStats},
    403,
    422,
    params=(query("province", PLACE), query("district", PLACE), WEEKS, SEARCH, CURSOR, LIMIT),
)
def stats() -> Response:
    actor = services.require_admin(current_account())
    query = load(AdminStatsQuery, request.args)
    page = services.admin_report_page(
        actor,
        _window(query.weeks),
        province=query.province,
        district=query.district,
        query=query.q,
        after_id=query.cursor,
        limit=query.size(),
    )
    area = AreaFilter(province=query.province, district=query.district)
    body = AdminStats.of(page, area, current_app.config["BASE_URL"])
    return jsonify(body.dump())
