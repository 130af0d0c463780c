"""The group's feed, a thread's page, and their forms (work without JavaScript)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.accounts.sessions import current_account, current_account_id, current_account_is_staff
from app.announcements.services import list_announcements
from app.announcements.validators import next_expiry
from app.communes.models import Commune
from app.communes.services import get_commune
from app.conditional import etag, not_modified, tagged
from app.errors import DomainError, NotFound
from app.extensions import db
from app.media.serving import media_response, uploaded
from app.media.storage import content_type_of, media_storage
from app.membership.in_app import in_app_browser, in_app_help
from app.membership.services import member_commune, read_membership
from app.models_base import utcnow
from app.parsing import page_cursor
from app.push.pages import this_phone_subscribed
from app.ratelimit.declare import limited
from app.read_cache import Built, cached_read
from app.schema.load import load
from app.threads.access import official_thread, post_with_voice, readable_reply
from app.threads.categories import active_categories
from app.threads.confirmations import confirm
from app.threads.duplicates import similar_threads
from app.threads.follows import follow, unfollow
from app.threads.idempotency import (
    FORM_FIELD,
    KeyReused,
    new_form_key,
    parse_key,
    post_once,
)
from app.threads.moderation import flag_post
from app.threads.photos import small_photo
from app.threads.schemas import BODY_LIMIT, SimilarQuery
from app.threads.services import (
    add_reply,
    change_status,
    create_thread,
    list_threads,
    reply_counts,
    seen_counts,
    thread_with_photo,
)
from app.threads.supports import support, unsupport
from app.threads.validators import next_deadline, read_parts, thread_state
from app.web import login_required, resident_page, see_other
from app.workspace.access import official_commune
from app.workspace.thread_page import render_thread, render_thread_page
from app.workspace.unread import open_thread

bp = Blueprint("threads", __name__)


FEED_THREADS = 20
FEED_ANNOUNCEMENTS = 5


def _feed_context(
    slug: str,
    *,
    form: dict | None = None,
    error: str | None = None,
    error_field: str | None = None,
    member: tuple[Commune, str] | None = None,
    before_id: int | None = None,
) -> dict[str, Any]:
    account = current_account()
    assert account is not None
    commune, role = member or member_commune(slug, account)
    if before_id is None:
        # A bad or out-of-range cursor on a page just shows the newest threads.
        before_id = page_cursor(request.args.get("cursor"))
    threads, next_cursor = list_threads(
        commune, account, role, before_id=before_id, limit=FEED_THREADS
    )
    return dict(
        commune=commune,
        role=role,
        announcements=list_announcements(commune, limit=FEED_ANNOUNCEMENTS),
        threads=threads,
        counts=seen_counts(threads, account, role),
        next_cursor=next_cursor,
        form=form or {},
        error=error,
        error_field=error_field,
        body_limit=BODY_LIMIT,
        joined=request.args.get("joined") == "1",
        categories=active_categories(commune),
        form_key=new_form_key(),
        **in_app_help(commune),
    )


def _feed_page(slug: str, **options: Any) -> str:
    return render_template("threads/feed.html", **_feed_context(slug, **options))


@bp.get("/c/<slug>")
@resident_page
def feed(slug: str) -> str | Response:
    if current_account_is_staff():
        # Staff pages carry the count of questions waiting in every commune they serve.
        return _feed_page(slug)
    # A resident's page is cached for them and tagged by its commune's read version, found
    # with their role in one lookup; every answer has its own one-time form key. A 304 keeps
    # the key the browser holds: a key is spent only by a thread it created, which gives the
    # commune a new version, so a page whose key was used is never confirmed.
    member = read_membership(slug, current_account_id())
    before_id = page_cursor(request.args.get("cursor"))

    def build() -> Built:
        commune = db.session.get(Commune, member.commune_id)
        assert commune is not None
        context = _feed_context(slug, member=(commune, member.role), before_id=before_id)
        now = utcnow()
        # When time alone changes the page: a deadline passing, an announcement expiring.
        moments = (next_deadline(context["threads"], now), next_expiry(commune, now))
        # The page is kept with a stand-in for its one-time form key; each answer gets its own.
        context["form_key"] = FORM_KEY_STAND_IN
        html = render_template("threads/feed.html", **context).encode()
        until = min((moment for moment in moments if moment is not None), default=None)
        return Built(html, "text/html", valid_until=until, fresh=_with_new_form_key)

    parts = (*read_parts(member, current_account_id()), _browser_state(member.join_token))
    return cached_read(parts, build)


# Made of a key's own characters, never a key (keys are 22 characters), unique per process.
FORM_KEY_STAND_IN = f"form-key-{secrets.token_urlsafe(24)}"


def _with_new_form_key(page: bytes) -> bytes:
    return page.replace(FORM_KEY_STAND_IN.encode(), new_form_key().encode(), 1)


def _browser_state(join_token: str) -> tuple:
    """What a resident's page shows of this browser: whether its notifications are on, and
    the in-app browser help (with the commune's join link)."""
    return (
        this_phone_subscribed(),
        in_app_browser(request.user_agent.string),
        join_token,
    )


@bp.post("/c/<slug>/threads")
@limited("post")
@login_required
def ask(slug: str):
    account = current_account()
    commune, _role = member_commune(slug, account)
    form = request.form.to_dict()
    photo = uploaded("photo")
    voice = uploaded("voice")
    try:
        # The form's hidden one-time key: a second tap on a slow network posts nothing more.
        thread, _created = post_once(
            account,
            parse_key(form.get(FORM_FIELD)),
            lambda: create_thread(
                commune, account, form, photo=photo, voice=voice, storage=media_storage()
            ),
            operation=f"thread:{commune.id}",
            fields=form,
            photo=photo,
            voice=voice,
        )
    except DomainError as error:
        # Re-show the form with everything the resident typed: nothing is lost.
        page = _feed_page(slug, form=form, error=_form_error(error), error_field=error.field)
        return page, error.status
    db.session.commit()
    # On to the new thread, which says what happens next (and offers notifications then).
    return see_other(url_for("threads.thread_page", thread_id=thread.id, asked=1))


def _form_error(error: DomainError) -> str:
    """What a plain form says. A key used for other words is a page opened again with the
    Back button: the page comes back with a new key, to send once more on purpose."""
    if isinstance(error, KeyReused):
        return _("This form was already sent once. Check what you wrote and send it again.")
    return error.message


@bp.get("/photos/<name>")
@resident_page
def photo(name: str) -> Response:
    """A thread's photo, for those who may read the thread."""
    return _stored(thread_with_photo(name, current_account()).photo_name, "image/jpeg")


@bp.get("/photos/<name>/small")
@resident_page
def small_photo_view(name: str) -> Response:
    """The photo's small derivative that feeds and threads show, for the same readers."""
    thread = thread_with_photo(name, current_account())
    return _stored(thread.photo_name, "image/webp", small=True)


@bp.get("/voice/<name>")
@resident_page
def voice_note(name: str) -> Response:
    """A post's voice note, for those who may read the post; byte ranges for iPhones."""
    post = post_with_voice(name, current_account())
    assert post.voice_name is not None
    return _stored(post.voice_name, content_type_of(post.voice_name))


def _stored(key: str | None, mimetype: str, *, small: bool = False) -> Response:
    """The stored file ``key`` of a post its reader may read (the caller found the post for
    them), or its photo's small derivative; 404 when the store no longer has it."""
    assert key is not None  # the post was found by this name
    storage = media_storage()
    data = small_photo(key, storage) if small else storage.get(key)
    if data is None:
        raise NotFound()
    return media_response(data, mimetype)


@bp.get("/c/<slug>/inbox")
@login_required
def inbox_page(slug: str) -> Response:
    """The first address of the officials' inbox: the one inbox is the workspace's (/w/<slug>),
    with the same query string. Who may not see it is refused here, as there."""
    official_commune(slug, current_account())
    location = url_for("workspace.inbox", slug=slug)
    query = request.query_string.decode("latin-1")
    return redirect(f"{location}?{query}" if query else location)


@bp.get("/t/<id:thread_id>")
@resident_page
def thread_page(thread_id: int) -> str:
    # An official opening the thread here (from a notification, say) has read it, as in /w/.
    account = current_account()
    assert account is not None
    thread, role = open_thread(thread_id, account)
    tag = None
    if not account.is_staff:
        tag = etag(
            thread_state(thread, account, role, reach=None),
            _browser_state(thread.commune.join_token),
        )
        unchanged = not_modified(tag)
        if unchanged is not None:
            return unchanged
    page = render_thread(thread, role, asked=request.args.get("asked") == "1")
    # After rendering: a commit reloads the thread's replies, hidden ones included.
    db.session.commit()
    return tagged(make_response(page), tag) if tag else page


# The reply and status forms of both pages of a thread post to the two handlers below: at /t/
# from the group's page, and at /w/t/ (the same views, registered by the workspace blueprint
# with ``workspace=True`` as a URL default) from the officials' one, where only officials act
# and the answer goes back to that page.


def _refused(thread_id: int, form: dict, error: DomainError, message: str, *, workspace: bool):
    """The page the form was on again, with what was typed and why it was refused."""
    db.session.rollback()
    page = render_thread_page(
        thread_id,
        current_account(),
        workspace=workspace,
        form=form,
        error=message,
        error_field=error.field,
    )
    db.session.commit()  # in the workspace, opening the page read the thread
    return page, error.status


def _back_to_page(thread_id: int, anchor: str, *, workspace: bool) -> Response:
    endpoint = "workspace.thread_page" if workspace else "threads.thread_page"
    return see_other(url_for(endpoint, thread_id=thread_id, _anchor=anchor))


@bp.post("/t/<id:thread_id>/replies")
@limited("post")
@login_required
def reply(thread_id: int, workspace: bool = False):
    account = current_account()
    form = request.form.to_dict()
    voice = uploaded("voice")
    try:
        if workspace:
            official_thread(thread_id, account)  # residents reply on the group's page
        post_once(
            account,
            parse_key(form.get(FORM_FIELD)),
            lambda: add_reply(thread_id, account, form, voice=voice, storage=media_storage()),
            operation=f"reply:{thread_id}",
            fields=form,
            voice=voice,
        )
    except DomainError as error:
        return _refused(thread_id, form, error, _form_error(error), workspace=workspace)
    db.session.commit()
    return _back_to_page(thread_id, "replies", workspace=workspace)


@bp.post("/t/<id:thread_id>/status")
@login_required
def status(thread_id: int, workspace: bool = False):
    form = request.form.to_dict()
    try:
        change_status(thread_id, current_account(), form)
    except DomainError as error:
        return _refused(thread_id, form, error, error.message, workspace=workspace)
    db.session.commit()
    return _back_to_page(thread_id, "history", workspace=workspace)


# --- what residents do about others' posts: flag, follow, similar threads before asking -------
# These keep the /w/ addresses they were first published under.


def _back_to_thread(thread_id: int, **args: Any) -> Response:
    return see_other(url_for("threads.thread_page", thread_id=thread_id, **args))


@bp.post("/w/t/<id:thread_id>/flag")
@login_required
def flag_thread(thread_id: int):
    flag_post("thread", thread_id, current_account(), request.form.to_dict())
    db.session.commit()
    return _back_to_thread(thread_id, flagged=1)


@bp.post("/w/r/<id:reply_id>/flag")
@login_required
def flag_reply(reply_id: int):
    reply_obj, _role = readable_reply(reply_id, current_account())
    thread_id = reply_obj.thread_id
    flag_post("reply", reply_id, current_account(), request.form.to_dict())
    db.session.commit()
    return _back_to_thread(thread_id, flagged=1)


@bp.post("/w/t/<id:thread_id>/follow")
@login_required
def follow_thread(thread_id: int):
    follow(thread_id, current_account())
    db.session.commit()
    return _back_to_thread(thread_id, following=1)


@bp.post("/w/t/<id:thread_id>/unfollow")
@login_required
def unfollow_thread(thread_id: int):
    unfollow(thread_id, current_account())
    db.session.commit()
    return _back_to_thread(thread_id)


# --- issue 14: "Đã được khắc phục chưa?" and "me too" from the thread's page ------------------


@bp.post("/t/<id:thread_id>/confirmation")
@login_required
def confirm_thread(thread_id: int):
    form = request.form.to_dict()
    answer = {**form, "fixed": {"1": True, "0": False}.get(form.get("fixed", ""))}
    try:
        confirm(thread_id, current_account(), answer)
    except DomainError as error:
        return _refused(thread_id, form, error, error.message, workspace=False)
    db.session.commit()
    # Back where the question was, thanked (and told it is reopened when it is not fixed).
    confirmed = "1" if answer["fixed"] else "0"
    return see_other(
        url_for(
            "threads.thread_page", thread_id=thread_id, confirmed=confirmed, _anchor="follow-up"
        )
    )


@bp.post("/t/<id:thread_id>/support")
@login_required
def support_thread(thread_id: int):
    if request.form.get("supported") == "0":
        unsupport(thread_id, current_account())
    else:
        support(thread_id, current_account())
    db.session.commit()
    return _back_to_thread(thread_id)


@bp.get("/w/<slug>/similar")
@login_required
def similar(slug: str) -> str:
    """Before asking: open threads like this one, to follow instead of asking again."""
    commune = get_commune(slug)
    query = load(SimilarQuery, request.args).q
    threads = similar_threads(commune, current_account(), query)
    return render_template(
        "threads/similar.html",
        commune=commune,
        query=query,
        threads=threads,
        counts=reply_counts(threads),
    )
