"""Sign-in pages for officials and admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from app.accounts.services import authenticate
from app.accounts.sessions import current_account, sign_in, sign_out
from app.errors import DomainError
from app.extensions import db
from app.web import safe_next, see_other

bp = Blueprint("accounts", __name__)


@bp.get("/login")
def login() -> str:
    return render_template("accounts/login.html", email="", error=None)


@bp.post("/login")
def login_submit():
    email = request.form.get("email", "")
    try:
        account = authenticate(email, request.form.get("password", ""))
    except DomainError as error:
        return render_template("accounts/login.html", email=email, error=error.message), 401
    db.session.commit()
    sign_in(account)
    default = url_for("communes.admin") if account.is_admin else url_for("membership.home")
    return see_other(safe_next(request.args.get("next"), default))


@bp.post("/logout")
def logout():
    if current_account() is not None:
        sign_out()
    return see_other(url_for("membership.home"))
