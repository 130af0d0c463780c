"""Pages of the officials' workspace (under /w/): plain forms, no JavaScript needed.

What residents do under /w/ (flagging a post, following a thread, the "similar questions" page
shown before asking) lives with threads, in app/threads/routes.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy.exc import OperationalError

from app.accounts.sessions import current_account
from app.announcements.schemas import AnnouncementForm
from app.announcements.services import (
    is_expired,
    listed_announcements,
    post_announcement,
    reach,
    update_announcement,
)
from app.communes.models import Commune
from app.communes.services import get_commune
from app.errors import DomainError, NotFound
from app.extensions import db
from app.membership.services import officials_of
from app.models_base import as_utc, utcnow
from app.parsing import InvalidValue, page_cursor, parse_datetime
from app.ratelimit.declare import without_limits
from app.schema.load import load
from app.threads import routes as threads_routes
from app.threads.access import readable_reply
from app.threads.categories import all_categories, create_category, update_category
from app.threads.deadlines import late, overdue_threads
from app.threads.duplicates import mark_duplicate
from app.threads.models import KINDS
from app.threads.moderation import (
    block_member,
    flagged_posts,
    hide_post,
    members,
    restore_post,
    unblock_member,
)
from app.threads.notes import add_note, assign_thread, recategorise_thread
from app.threads.urgency import mark_urgency
from app.web import login_required, see_other
from app.workspace.access import official_commune, served_communes
from app.workspace.audit_log import audit_commune_names, audit_log
from app.workspace.canned import (
    canned_replies,
    create_canned_reply,
    delete_canned_reply,
    official_canned_reply,
    update_canned_reply,
)
from app.workspace.inbox import (
    ELSEWHERE_LIMIT,
    INBOX_STATUSES,
    clean_inbox_cursor,
    clean_inbox_filters,
    format_inbox_cursor,
    search_elsewhere,
    waiting_for,
    workspace_inbox,
)
from app.workspace.schemas import BackToThread, CategoryForm, NewCategoryForm, ThreadPageQuery
from app.workspace.thread_page import render_thread_page

bp = Blueprint("workspace", __name__, url_prefix="/w")

PAGE_SIZE = 50


@bp.app_context_processor
def _inbox_waiting() -> dict[str, Any]:
    """How many questions wait for an answer, for the menu and the title of every page a staff
    member sees (per commune, and in all the communes the official serves): one query, none
    for residents and visitors."""
    account = current_account()
    try:
        per_commune = waiting_for(account) if account is not None and account.is_staff else {}
    except OperationalError:
        # The database is down or busy: the page (often the 503 page itself) is shown without
        # the count rather than failing a second time while it is rendered.
        db.session.rollback()
        per_commune = {}
    return {"waiting_here": per_commune, "waiting_total": sum(per_commune.values())}


def _local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _local_input(moment: datetime | None) -> str:
    """A stored time as a ``datetime-local`` field value, in the commune's time zone."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(_local_zone()).strftime("%Y-%m-%dT%H:%M")


def _attempt(action: Callable[[], Any], redo: Callable[[str], str]):
    """Run a form's service call and commit; on a domain error, show the page again with the
    message (and what was typed) and the error's status."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return redo(error.message), error.status
    db.session.commit()
    return None


# --- the communes an official serves, and each one's inbox -------------------------------------


@bp.get("/")
@login_required
def index() -> str:
    return render_template("workspace/index.html", communes=served_communes(current_account()))


@bp.get("/<slug>")
@login_required
def inbox(slug: str) -> str:
    account = current_account()
    assert account is not None
    commune = official_commune(slug, account)
    filters = clean_inbox_filters(request.args, account)
    items, next_cursor = workspace_inbox(
        account,
        [commune],
        filters,
        after=clean_inbox_cursor(request.args.get("cursor", "")),
        limit=PAGE_SIZE,
    )
    args = {key: value for key, value in request.args.items() if key != "cursor" and value}
    return render_template(
        "workspace/inbox.html",
        commune=commune,
        items=items,
        filters=filters,
        args=args,
        # A search that found nothing among these statuses says what it finds in the others.
        elsewhere=search_elsewhere(commune, filters, found=bool(items)),
        elsewhere_limit=ELSEWHERE_LIMIT,
        next_cursor=format_inbox_cursor(next_cursor),
        statuses=INBOX_STATUSES,
        kinds=KINDS,
        categories=all_categories(commune),
        assignees=officials_of(commune),
    )


@bp.get("/<slug>/overdue")
@login_required
def overdue(slug: str) -> str:
    """The threads past a deadline, longest late first: what the morning digest lists."""
    commune = official_commune(slug, current_account())
    now = utcnow()
    return render_template(
        "workspace/overdue.html",
        commune=commune,
        items=[late(thread, now) for thread in overdue_threads([commune.id], now)],
    )


# --- a thread: answer, note, assign, categorise, moderate ------------------------------------


def _thread_page(thread_id: int, *, error: str | None = None, form: dict | None = None) -> str:
    page = render_thread_page(
        thread_id,
        current_account(),
        workspace=True,
        canned_id=load(ThreadPageQuery, request.args).canned,
        form=form,
        error=error,
    )
    # Opening the thread marks it read for this official. After rendering: a commit expires
    # what the page shows, and each canned reply, category and note would be loaded again.
    db.session.commit()
    return page


@bp.get("/t/<id:thread_id>")
@login_required
def thread_page(thread_id: int) -> str:
    return _thread_page(thread_id)


def _thread_action(thread_id: int, action: Callable[[dict], Any], anchor: str):
    form = request.form.to_dict()
    failed = _attempt(
        lambda: action(form), lambda message: _thread_page(thread_id, error=message, form=form)
    )
    if failed:
        return failed
    return see_other(url_for("workspace.thread_page", thread_id=thread_id, _anchor=anchor))


# The page's reply and status forms: the same handlers as the group's thread page (one each).
IN_WORKSPACE = {"workspace": True}
bp.add_url_rule(
    "/t/<id:thread_id>/replies",
    "reply",
    without_limits(threads_routes.reply),
    methods=["POST"],
    defaults=IN_WORKSPACE,
)
bp.add_url_rule(
    "/t/<id:thread_id>/status",
    "status",
    threads_routes.status,
    methods=["POST"],
    defaults=IN_WORKSPACE,
)


@bp.post("/t/<id:thread_id>/notes")
@login_required
def note(thread_id: int):
    return _thread_action(
        thread_id, lambda form: add_note(thread_id, current_account(), form), "notes"
    )


@bp.post("/t/<id:thread_id>/assignee")
@login_required
def assignee(thread_id: int):
    return _thread_action(
        thread_id, lambda form: assign_thread(thread_id, current_account(), form), "manage"
    )


@bp.post("/t/<id:thread_id>/category")
@login_required
def category(thread_id: int):
    return _thread_action(
        thread_id, lambda form: recategorise_thread(thread_id, current_account(), form), "manage"
    )


@bp.post("/t/<id:thread_id>/urgent")
@login_required
def urgency(thread_id: int):
    # A form's "1" or "0" (two buttons); the service takes JSON's true or false.
    return _thread_action(
        thread_id,
        lambda form: mark_urgency(
            thread_id, current_account(), {"urgent": form.get("urgent") == "1"}
        ),
        "manage",
    )


@bp.post("/t/<id:thread_id>/duplicate-of")
@login_required
def duplicate_of(thread_id: int):
    # The form takes the original's number as officials see it: "#123" or "123".
    return _thread_action(
        thread_id,
        lambda form: mark_duplicate(
            thread_id,
            current_account(),
            {"thread_id": (form.get("thread_id") or "").strip().lstrip("#")},
        ),
        "history",
    )


@bp.post("/t/<id:thread_id>/hide")
@login_required
def hide_thread(thread_id: int):
    return _thread_action(
        thread_id, lambda form: hide_post("thread", thread_id, current_account(), form), "top"
    )


@bp.post("/t/<id:thread_id>/restore")
@login_required
def restore_thread(thread_id: int):
    return _thread_action(
        thread_id, lambda form: restore_post("thread", thread_id, current_account(), form), "top"
    )


def _reply_action(reply_id: int, kind: str):
    reply_obj, _role = readable_reply(reply_id, current_account())
    thread_id = reply_obj.thread_id
    service = hide_post if kind == "hide" else restore_post
    return _thread_action(
        thread_id,
        lambda form: service("reply", reply_id, current_account(), form),
        f"reply-{reply_id}",
    )


@bp.post("/r/<id:reply_id>/hide")
@login_required
def hide_reply(reply_id: int):
    return _reply_action(reply_id, "hide")


@bp.post("/r/<id:reply_id>/restore")
@login_required
def restore_reply(reply_id: int):
    return _reply_action(reply_id, "restore")


# --- canned replies ----------------------------------------------------------------------------


def _canned_page(slug: str, *, error: str | None = None, form: dict | None = None) -> str:
    commune = official_commune(slug, current_account())
    return render_template(
        "workspace/canned.html",
        commune=commune,
        items=canned_replies(commune, current_account()),
        error=error,
        form=form or {},
    )


@bp.get("/<slug>/canned")
@login_required
def canned(slug: str) -> str:
    return _canned_page(slug)


@bp.post("/<slug>/canned")
@login_required
def canned_create(slug: str):
    form = request.form.to_dict()
    failed = _attempt(
        lambda: create_canned_reply(get_commune(slug), current_account(), form),
        lambda message: _canned_page(slug, error=message, form=form),
    )
    return failed or see_other(url_for("workspace.canned", slug=slug))


@bp.post("/canned/<id:canned_id>")
@login_required
def canned_update(canned_id: int):
    slug = _canned_slug(canned_id)
    form = request.form.to_dict()
    failed = _attempt(
        lambda: update_canned_reply(canned_id, current_account(), form),
        lambda message: _canned_page(slug, error=message),
    )
    return failed or see_other(url_for("workspace.canned", slug=slug))


@bp.post("/canned/<id:canned_id>/delete")
@login_required
def canned_delete(canned_id: int):
    slug = _canned_slug(canned_id)
    delete_canned_reply(canned_id, current_account())
    db.session.commit()
    return see_other(url_for("workspace.canned", slug=slug))


def _canned_slug(canned_id: int) -> str:
    item = official_canned_reply(canned_id, current_account())
    commune = db.session.get(Commune, item.commune_id)
    assert commune is not None
    return commune.slug


# --- categories ----------------------------------------------------------------------------------


def _categories_page(slug: str, *, error: str | None = None, form: dict | None = None) -> str:
    commune = official_commune(slug, current_account())
    return render_template(
        "workspace/categories.html",
        commune=commune,
        items=all_categories(commune),
        error=error,
        form=form or {},
    )


@bp.get("/<slug>/categories")
@login_required
def categories(slug: str) -> str:
    return _categories_page(slug)


@bp.post("/<slug>/categories")
@login_required
def category_create(slug: str):
    form = request.form.to_dict()
    failed = _attempt(
        lambda: create_category(
            get_commune(slug), current_account(), load(NewCategoryForm, form).fields()
        ),
        lambda message: _categories_page(slug, error=message, form=form),
    )
    return failed or see_other(url_for("workspace.categories", slug=slug))


@bp.post("/<slug>/categories/<id:category_id>")
@login_required
def category_update(slug: str, category_id: int):
    official_commune(slug, current_account())
    form = request.form

    def update() -> None:
        update_category(category_id, current_account(), load(CategoryForm, form).change())

    failed = _attempt(update, lambda message: _categories_page(slug, error=message))
    return failed or see_other(url_for("workspace.categories", slug=slug))


# --- announcements -------------------------------------------------------------------------------


def _announcements_page(slug: str, *, error: str | None = None, form: dict | None = None) -> str:
    commune = official_commune(slug, current_account())
    items, _official = listed_announcements(commune, current_account())
    return render_template(
        "workspace/announcements.html",
        commune=commune,
        items=items,
        reach=reach(items),
        local_input=_local_input,
        is_expired=is_expired,
        error=error,
        form=form or {},
    )


@bp.get("/<slug>/announcements")
@login_required
def announcements(slug: str) -> str:
    return _announcements_page(slug)


@bp.post("/<slug>/announcements")
@login_required
def announcement_create(slug: str):
    form = request.form.to_dict()
    data = load(AnnouncementForm, form).data()
    data.setdefault("pinned", False)
    if data.get("expires_at"):
        # A datetime-local field: the commune's own time zone.
        data["expires_at"] = _with_zone(data["expires_at"])
    failed = _attempt(
        lambda: post_announcement(get_commune(slug), current_account(), data),
        lambda message: _announcements_page(slug, error=message, form=form),
    )
    return failed or see_other(url_for("workspace.announcements", slug=slug))


def _with_zone(value: str) -> str:
    try:
        return parse_datetime(value, "expires_at", zone=_local_zone()).isoformat()
    except InvalidValue:
        return value  # the service explains what is wrong


@bp.post("/<slug>/announcements/<id:announcement_id>")
@login_required
def announcement_update(slug: str, announcement_id: int):
    official_commune(slug, current_account())
    data = load(AnnouncementForm, request.form).data()
    failed = _attempt(
        lambda: update_announcement(
            announcement_id, current_account(), data, local_zone=_local_zone()
        ),
        lambda message: _announcements_page(slug, error=message),
    )
    return failed or see_other(
        url_for("workspace.announcements", slug=slug, _anchor=f"a{announcement_id}")
    )


# --- moderation: flagged posts, blocked members -------------------------------------------------


def _moderation_page(slug: str, *, error: str | None = None) -> str:
    account = current_account()
    commune = official_commune(slug, account)
    blocked, _next = members(commune, account, blocked_only=True, before_id=None, limit=100)
    return render_template(
        "workspace/moderation.html",
        commune=commune,
        flagged=flagged_posts(commune, account),
        blocked=blocked,
        error=error,
    )


@bp.get("/<slug>/moderation")
@login_required
def moderation(slug: str) -> str:
    return _moderation_page(slug)


@bp.post("/<slug>/moderation/<kind>/<id:post_id>")
@login_required
def moderate(slug: str, kind: str, post_id: int):
    """Review a flagged post from the queue: keep it hidden (with a reason) or restore it."""
    official_commune(slug, current_account())
    form = request.form.to_dict()
    decision = form.get("decision")
    if kind not in ("thread", "reply") or decision not in ("hide", "restore"):
        raise NotFound()
    service = hide_post if decision == "hide" else restore_post
    failed = _attempt(
        lambda: service(kind, post_id, current_account(), form),
        lambda message: _moderation_page(slug, error=message),
    )
    return failed or see_other(url_for("workspace.moderation", slug=slug))


@bp.post("/<slug>/members/<id:member_id>/block")
@login_required
def block(slug: str, member_id: int):
    form = request.form.to_dict()
    failed = _attempt(
        lambda: block_member(get_commune(slug), current_account(), member_id, form),
        lambda message: _moderation_page(slug, error=message),
    )
    return failed or see_other(_back(form, slug))


@bp.post("/<slug>/members/<id:member_id>/unblock")
@login_required
def unblock(slug: str, member_id: int):
    failed = _attempt(
        lambda: unblock_member(get_commune(slug), current_account(), member_id),
        lambda message: _moderation_page(slug, error=message),
    )
    return failed or see_other(_back(request.form, slug))


def _back(form: Mapping[str, str], slug: str) -> str:
    """Back to the workspace thread the form was on, else the moderation page."""
    thread_id = load(BackToThread, form).back
    if thread_id:
        return url_for("workspace.thread_page", thread_id=thread_id, _anchor="author")
    return url_for("workspace.moderation", slug=slug)


# --- the audit log -------------------------------------------------------------------------------


@bp.get("/<slug>/audit")
@login_required
def audit(slug: str) -> str:
    commune = official_commune(slug, current_account())
    before_id = page_cursor(request.args.get("cursor"))
    rows, next_cursor = audit_log(current_account(), slug, before_id=before_id, limit=PAGE_SIZE)
    return render_template(
        "workspace/audit.html",
        commune=commune,
        rows=rows,
        slugs=audit_commune_names(rows),
        next_cursor=next_cursor,
    )
