"""The page a QR board opens, and the home page listing a person's groups."""

from __future__ import annotations

import base64

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.accounts.recovery_image import recovery_png
from app.accounts.sessions import current_account, sign_in
from app.accounts.transfer import (
    has_recovery_code,
    issue_recovery_code,
    issue_transfer_code,
    transfer_url,
)
from app.communes.boards import board_svg
from app.communes.models import Commune
from app.communes.services import find_by_token
from app.errors import DomainError
from app.extensions import db
from app.membership.in_app import chrome_intent_url, in_app_help
from app.membership.preferences import PREFERENCE_NAMES, preferences, update_preferences
from app.membership.services import join, member_commune, membership_of, memberships_of, role_in
from app.privacy.services import leave
from app.ratelimit.declare import limited
from app.web import login_required, resident_page, see_other

bp = Blueprint("membership", __name__)
bp.add_app_template_filter(chrome_intent_url, "chrome_intent")


@bp.get("/")
def home() -> str:
    account = current_account()
    memberships = memberships_of(account) if account else []
    return render_template(
        "membership/home.html", memberships=memberships, moved=request.args.get("moved") == "1"
    )


@bp.get("/j")
def join_by_code() -> Response:
    """Typing the board's code when the QR code cannot be scanned: the form, then the group's
    join page (``?code=`` in any case, with spaces or dashes)."""
    code = request.args.get("code", "")
    error, status = None, 200
    if code.strip():
        try:
            commune = find_by_token(code.strip())
        except DomainError as refused:
            error, status = refused.message, refused.status
        else:
            return see_other(url_for("membership.join_page", token=commune.join_token))
    return make_response(
        render_template("membership/join_code.html", code=code[:64], error=error), status
    )


@bp.get("/j/<token>")
def join_page(token: str) -> Response:
    commune = find_by_token(token)
    account = current_account()
    return _join_page(
        commune,
        already_member=role_in(account, commune) is not None,
        error=None,
        display_name="",
    )


def _join_page(commune: Commune, **values: object) -> Response:
    response = make_response(
        render_template("membership/join.html", commune=commune, **in_app_help(commune), **values)
    )
    # The page differs for in-app browsers.
    response.vary.add("User-Agent")
    return response


@bp.post("/j/<token>")
@limited("join")
def join_submit(token: str):
    display_name = request.form.get("display_name", "")
    try:
        result = join(token, display_name, current_account())
    except DomainError as error:
        page = _join_page(
            find_by_token(token),
            already_member=False,
            error=error.message,
            display_name=display_name,
        )
        page.status_code = error.status
        return page
    sign_in(result.account)
    db.session.commit()
    return see_other(url_for("threads.feed", slug=result.membership.commune.slug, joined=1))


@bp.get("/c/<slug>/settings")
@resident_page
def settings(slug: str) -> str:
    account = current_account()
    commune, role = member_commune(slug, account)
    membership = membership_of(account, commune)
    assert membership is not None
    return render_template(
        "membership/settings.html",
        commune=commune,
        role=role,
        prefs=preferences(membership),
        saved=request.args.get("saved") == "1",
        has_recovery_code=has_recovery_code(account),
        **in_app_help(commune),
    )


@bp.post("/c/<slug>/settings")
@login_required
def settings_submit(slug: str):
    account = current_account()
    commune, _role = member_commune(slug, account)
    membership = membership_of(account, commune)
    assert membership is not None
    # Unticked checkboxes are simply absent from a form.
    update_preferences(membership, {name: name in request.form for name in PREFERENCE_NAMES})
    db.session.commit()
    return see_other(url_for("membership.settings", slug=commune.slug, saved=1))


@bp.post("/c/<slug>/settings/transfer")
@login_required
def transfer_code(slug: str) -> Response:
    """Moving to a new phone: a code (and its QR code) to open there, 15 minutes, one use."""
    account = current_account()
    commune, _role = member_commune(slug, account)
    issued = issue_transfer_code(account)
    db.session.commit()
    base_url = current_app.config["BASE_URL"]
    url = transfer_url(base_url, issued.code)
    page = render_template(
        "membership/transfer_code.html",
        commune=commune,
        address=base_url + url_for("accounts.transfer"),
        code=issued.code,
        expires_at=issued.expires_at,
        qr=base64.b64encode(board_svg(url)).decode("ascii"),
    )
    # The code is a key to the account: never kept by the browser or the service worker.
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/c/<slug>/settings/recovery")
@login_required
def recovery_code(slug: str) -> Response:
    """A recovery code to keep, shown once, with a picture of it to save to the phone."""
    account = current_account()
    commune, _role = member_commune(slug, account)
    issued = issue_recovery_code(account)
    db.session.commit()
    base_url = current_app.config["BASE_URL"]
    address = base_url + url_for("accounts.transfer")
    image = recovery_png(
        issued.code,
        transfer_url(base_url, issued.code),
        title=_("Recovery code · %(name)s", name=commune.name),
        lines=[
            _(
                "On a new phone: scan this QR code, or open %(address)s and type the code. "
                "It works once.",
                address=address,
            ),
            _("Keep it private: it opens your account."),
        ],
    )
    page = render_template(
        "membership/recovery_code.html",
        commune=commune,
        code=issued.code,
        image=base64.b64encode(image).decode("ascii"),
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/c/<slug>/leave")
@login_required
def leave_group(slug: str):
    account = current_account()
    commune, _role = member_commune(slug, account)
    leave(account, commune)
    db.session.commit()
    return see_other(url_for("membership.home"))
