"""The group's feed, a thread's page, and their forms (work without JavaScript)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.accounts.sessions import current_account
from app.announcements.services import list_announcements
from app.errors import DomainError, NotFound
from app.extensions import db
from app.membership.in_app import in_app_help
from app.membership.services import member_commune, require_official
from app.parsing import page_cursor
from app.ratelimit.declare import limited
from app.threads.categories import active_categories
from app.threads.idempotency import (
    FORM_FIELD,
    KeyReused,
    new_form_key,
    parse_key,
    post_once,
)
from app.threads.models import Thread
from app.threads.photos import upload_folder
from app.threads.services import (
    STATUS_MOVES,
    add_reply,
    change_status,
    create_thread,
    inbox,
    list_threads,
    readable_thread,
    reply_counts,
    seen_counts,
    thread_with_photo,
)
from app.web import login_required, see_other
from app.workspace.services import open_thread

bp = Blueprint("threads", __name__)


def _feed_page(slug: str, *, form: dict | None = None, error: str | None = None) -> str:
    account = current_account()
    assert account is not None
    commune, role = member_commune(slug, account)
    # A bad or out-of-range cursor on a page just shows the newest threads.
    before_id = page_cursor(request.args.get("cursor"))
    threads, next_cursor = list_threads(commune, account, role, before_id=before_id, limit=20)
    return render_template(
        "threads/feed.html",
        commune=commune,
        role=role,
        announcements=list_announcements(commune, limit=5),
        threads=threads,
        counts=seen_counts(threads, account, role),
        next_cursor=next_cursor,
        form=form or {},
        error=error,
        joined=request.args.get("joined") == "1",
        categories=active_categories(commune),
        form_key=new_form_key(),
        **in_app_help(commune),
    )


@bp.get("/c/<slug>")
@login_required
def feed(slug: str) -> str:
    return _feed_page(slug)


@bp.post("/c/<slug>/threads")
@limited("post")
@login_required
def ask(slug: str):
    account = current_account()
    commune, _role = member_commune(slug, account)
    form = request.form.to_dict()
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    try:
        # The form's hidden one-time key: a second tap on a slow network posts nothing more.
        thread, _created = post_once(
            account,
            parse_key(form.get(FORM_FIELD)),
            lambda: create_thread(
                commune, account, form, photo=photo, upload_folder=upload_folder()
            ),
            operation=f"thread:{commune.id}",
            fields=form,
            photo=photo,
        )
    except DomainError as error:
        # Re-show the form with everything the resident typed: nothing is lost.
        return _feed_page(slug, form=form, error=_form_error(error)), error.status
    db.session.commit()
    return see_other(url_for("threads.thread_page", thread_id=thread.id))


def _form_error(error: DomainError) -> str:
    """What a plain form says. A key used for other words is a page opened again with the
    Back button: the page comes back with a new key, to send once more on purpose."""
    if isinstance(error, KeyReused):
        return _("This form was already sent once. Check what you wrote and send it again.")
    return error.message


@bp.get("/photos/<name>")
@login_required
def photo(name: str) -> Response:
    """A thread's photo, for those who may read the thread."""
    thread = thread_with_photo(name, current_account())
    assert thread.photo_name is not None
    path = upload_folder() / thread.photo_name
    if not path.is_file():
        raise NotFound()
    # Photos are small (re-encoded to at most 1600 px): read whole, no open file left behind.
    response = Response(path.read_bytes(), mimetype="image/jpeg")
    # Random, never reused names: the browser may keep it, but only for this person.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/c/<slug>/inbox")
@login_required
def inbox_page(slug: str) -> str:
    """Officials' inbox: what has waited longest for an answer first."""
    commune, _role = member_commune(slug, current_account())
    require_official(current_account(), commune)
    items = inbox(commune)
    threads = [thread for thread, _answered in items]
    return render_template(
        "threads/inbox.html",
        commune=commune,
        items=items,
        counts=reply_counts(threads),
    )


def _thread_page(thread_id: int, *, form: dict | None = None, error: str | None = None) -> str:
    thread, role = readable_thread(thread_id, current_account())
    return _render_thread(thread, role, form=form, error=error)


def _render_thread(
    thread: Thread, role: str, *, form: dict | None = None, error: str | None = None
) -> str:
    return render_template(
        "threads/thread.html",
        thread=thread,
        role=role,
        moves=STATUS_MOVES[thread.status],
        form=form or {},
        error=error,
        form_key=new_form_key(),
    )


@bp.get("/t/<id:thread_id>")
@login_required
def thread_page(thread_id: int) -> str:
    # An official opening the thread here (from a notification, say) has read it, as in /w/.
    thread, role = open_thread(thread_id, current_account())
    page = _render_thread(thread, role)
    # After rendering: a commit reloads the thread's replies, hidden ones included.
    db.session.commit()
    return page


@bp.post("/t/<id:thread_id>/replies")
@limited("post")
@login_required
def reply(thread_id: int):
    account = current_account()
    form = request.form.to_dict()
    try:
        post_once(
            account,
            parse_key(form.get(FORM_FIELD)),
            lambda: add_reply(thread_id, account, form),
            operation=f"reply:{thread_id}",
            fields=form,
        )
    except DomainError as error:
        return _thread_page(thread_id, form=form, error=_form_error(error)), error.status
    db.session.commit()
    return see_other(url_for("threads.thread_page", thread_id=thread_id, _anchor="replies"))


@bp.post("/t/<id:thread_id>/status")
@login_required
def status(thread_id: int):
    form = request.form.to_dict()
    try:
        change_status(thread_id, current_account(), form)
    except DomainError as error:
        return _thread_page(thread_id, form=form, error=error.message), error.status
    db.session.commit()
    return see_other(url_for("threads.thread_page", thread_id=thread_id, _anchor="history"))
