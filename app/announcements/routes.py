"""Posting an announcement from the group page."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from app.accounts.sessions import current_account
from app.announcements.services import post_announcement
from app.errors import DomainError
from app.extensions import db
from app.membership.services import member_commune
from app.web import login_required, see_other

bp = Blueprint("announcements", __name__)


@bp.post("/c/<slug>/announcements")
@login_required
def post(slug: str):
    account = current_account()
    commune, _role = member_commune(slug, account)
    form = request.form.to_dict()
    data = {key: form[key] for key in ("title", "body") if key in form}
    data["urgent"] = form.get("urgent") == "1"  # a checkbox: absent when not ticked
    try:
        post_announcement(commune, account, data)
    except DomainError as error:
        page = render_template(
            "announcements/new.html", commune=commune, form=form, error=error.message
        )
        return page, error.status
    db.session.commit()
    return see_other(url_for("threads.feed", slug=commune.slug))
