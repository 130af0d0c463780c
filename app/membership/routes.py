"""The page a QR board opens, and the home page listing a person's groups."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from app.accounts.sessions import current_account, sign_in
from app.communes.services import find_by_token
from app.errors import DomainError
from app.extensions import db
from app.membership.services import join, memberships_of, role_in
from app.web import see_other

bp = Blueprint("membership", __name__)


@bp.get("/")
def home() -> str:
    account = current_account()
    memberships = memberships_of(account) if account else []
    return render_template("membership/home.html", memberships=memberships)


@bp.get("/j/<token>")
def join_page(token: str) -> str:
    commune = find_by_token(token)
    account = current_account()
    return render_template(
        "membership/join.html",
        commune=commune,
        token=token,
        already_member=role_in(account, commune) is not None,
        error=None,
        display_name="",
    )


@bp.post("/j/<token>")
def join_submit(token: str):
    display_name = request.form.get("display_name", "")
    try:
        result = join(token, display_name, current_account())
    except DomainError as error:
        commune = find_by_token(token)
        page = render_template(
            "membership/join.html",
            commune=commune,
            token=token,
            already_member=False,
            error=error.message,
            display_name=display_name,
        )
        return page, error.status
    db.session.commit()
    sign_in(result.account)
    return see_other(url_for("feedback.feed", slug=result.membership.commune.slug, joined=1))
