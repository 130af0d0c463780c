"""``/api/v1`` endpoints of the admin console: communes in bulk and one by one, token rotation,
invitations, officials, statistics. The contract is in docs/admin.md."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import UnsupportedMediaType

from app.accounts.sessions import current_account, sign_in
from app.admin import services
from app.admin.models import Invitation
from app.admin.stats import Window, window_json
from app.api.helpers import json_body
from app.api.schemas import account_json
from app.communes.imports import import_communes
from app.communes.models import Commune
from app.communes.services import get_commune, join_url, rotate_join_token, update_commune
from app.errors import ValidationError
from app.extensions import db
from app.membership.services import memberships_of, officials_of
from app.models_base import isoformat

bp = Blueprint("admin", __name__)


def commune_admin_json(commune: Commune) -> dict[str, Any]:
    return {
        "slug": commune.slug,
        "name": commune.name,
        "code": commune.code,
        "district": commune.district,
        "province": commune.province,
        "join_url": join_url(current_app.config["BASE_URL"], commune),
        "open311_public": commune.open311_public,
    }


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "email": invitation.email,
        "display_name": invitation.display_name,
        "communes": [commune.slug for commune in invitation.communes],
        "expires_at": isoformat(invitation.expires_at),
        "created_at": isoformat(invitation.created_at),
        "invited_by": (
            {"display_name": invitation.invited_by.display_name} if invitation.invited_by else None
        ),
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
def import_csv() -> Response:
    actor = services.require_admin(current_account())
    result = import_communes(_csv_upload(), actor)
    db.session.commit()
    return jsonify(result.as_dict())


@bp.patch("/communes/<slug>")
def edit_commune(slug: str) -> Response:
    actor = current_account()
    commune = services.admin_commune(actor, slug)
    assert actor is not None
    update_commune(commune, actor, json_body())
    db.session.commit()
    return jsonify(commune_admin_json(commune))


@bp.post("/communes/<slug>/rotate-token")
def rotate_token(slug: str) -> Response:
    actor = current_account()
    commune = services.admin_commune(actor, slug)
    assert actor is not None
    rotate_join_token(commune, actor)
    db.session.commit()
    return jsonify(join_url=join_url(current_app.config["BASE_URL"], commune))


# --- officials --------------------------------------------------------------------------------


@bp.get("/communes/<slug>/officials")
def officials(slug: str) -> Response:
    commune = services.admin_commune(current_account(), slug)
    items = [
        {"id": account.id, "display_name": account.display_name, "email": account.email}
        for account in officials_of(commune)
    ]
    return jsonify(items=items)


@bp.delete("/communes/<slug>/officials/<id:account_id>")
def revoke_official(slug: str, account_id: int) -> tuple[str, int]:
    actor = current_account()
    commune = services.admin_commune(actor, slug)
    assert actor is not None
    services.revoke_official(actor, commune, account_id)
    db.session.commit()
    return "", 204


@bp.delete("/officials/<id:account_id>")
def revoke_official_everywhere(account_id: int) -> Response:
    actor = services.require_admin(current_account())
    communes = services.revoke_official_everywhere(actor, account_id)
    db.session.commit()
    return jsonify(communes=[commune.slug for commune in communes])


# --- invitations ------------------------------------------------------------------------------


@bp.post("/invites")
def create_invite() -> tuple[Response, int]:
    actor = services.require_admin(current_account())
    created = services.create_invitation(actor, json_body())
    db.session.commit()
    body = invitation_json(created.invitation)
    body["invite_url"] = services.invitation_url(current_app.config["BASE_URL"], created.token)
    return jsonify(body), 201


@bp.get("/invites")
def list_invites() -> Response:
    actor = services.require_admin(current_account())
    return jsonify(items=[invitation_json(i) for i in services.pending_invitations(actor)])


@bp.delete("/invites/<id:invitation_id>")
def revoke_invite(invitation_id: int) -> tuple[str, int]:
    actor = services.require_admin(current_account())
    services.revoke_invitation(actor, invitation_id)
    db.session.commit()
    return "", 204


@bp.post("/invites/<token>/accept")
def accept_invite(token: str) -> tuple[Response, int]:
    signed_in = current_account()
    data = json_body()
    account = services.accept_invitation(token, data, signed_in)
    created = signed_in is None or signed_in.id != account.id
    communes = [
        {"slug": m.commune.slug, "name": m.commune.name, "role": m.role}
        for m in memberships_of(account)
    ]
    sign_in(account)
    db.session.commit()
    return jsonify(user=account_json(account), communes=communes), 201 if created else 200


# --- statistics -------------------------------------------------------------------------------


def _window() -> Window:
    weeks = services.clean_weeks(request.args.get("weeks"))
    return services.stats_window(weeks, current_app.config["BABEL_DEFAULT_TIMEZONE"])


@bp.get("/communes/<slug>/stats")
def commune_stats(slug: str) -> Response:
    commune = services.staff_commune(current_account(), slug)
    win = _window()
    figures = services.commune_figures(commune, win)
    return jsonify(
        commune=commune_admin_json(commune), **window_json(win), figures=figures.as_json()
    )


@bp.get("/communes/<slug>/stats/public")
def public_commune_stats(slug: str) -> Response:
    commune = get_commune(slug)
    win = _window()
    figures = services.commune_figures(commune, win)
    return jsonify(
        commune={"slug": commune.slug, "name": commune.name},
        **window_json(win),
        response=figures.public_json(),
    )


@bp.get("/stats")
def stats() -> Response:
    actor = services.require_admin(current_account())
    province = services.clean_place(request.args.get("province"), "province")
    district = services.clean_place(request.args.get("district"), "district")
    win = _window()
    result = services.admin_report(actor, win, province=province, district=district)
    body = result.as_json(commune_admin_json)
    body["filter"] = {"province": province, "district": district}
    return jsonify(body)
