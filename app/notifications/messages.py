"""The words of each notification, and the outbox row it is written to.

One ``PushMessage`` per event, in the same transaction as the event, written once for everyone
in the service's default language. The worker later expands it into one delivery per member
who should hear it (``app/notifications/audiences.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from app.accountability.working_time import ZONE
from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.extensions import db
from app.i18n import status_label
from app.membership.models import OFFICIAL
from app.models_base import as_utc, utcnow
from app.push.models import (
    KIND_ANNOUNCEMENT,
    KIND_ANSWER,
    KIND_DIGEST,
    KIND_DISCUSSION,
    KIND_DUPLICATE,
    KIND_ESCALATION,
    KIND_NEW_THREAD,
    KIND_OVERDUE,
    PushMessage,
)
from app.push.payloads import build_payload
from app.threads.models import Reply, StatusChange, Thread

THREAD_TTL = timedelta(days=2)
# A digest is news of one morning: the next one replaces it.
DIGEST_TTL = timedelta(hours=20)
ANNOUNCEMENT_TTL = timedelta(days=7)
# Push services keep a message for at most four weeks.
MAX_TTL = timedelta(weeks=4)


def _queue(
    *,
    kind: str,
    commune: Commune,
    actor: Account | None,
    title: str,
    body: str,
    path: str,
    tag: str,
    ttl: timedelta,
    urgency: str,
    thread: Thread | None = None,
    reply: Reply | None = None,
    announcement: Announcement | None = None,
) -> PushMessage:
    message = PushMessage(
        kind=kind,
        commune_id=commune.id,
        actor_id=actor.id if actor else None,
        thread_id=thread.id if thread else None,
        reply_id=reply.id if reply else None,
        announcement_id=announcement.id if announcement else None,
        payload=build_payload(title, body, current_app.config["BASE_URL"] + path, tag, locale()),
        topic=tag,
        urgency=urgency,
        expires_at=utcnow() + min(ttl, MAX_TTL),
    )
    db.session.add(message)
    return message


def _queue_about(
    thread: Thread,
    *,
    kind: str,
    title: str,
    body: str,
    urgency: str,
    actor: Account | None = None,
    path: str | None = None,
    tag: str | None = None,
    reply: Reply | None = None,
) -> PushMessage:
    """A message about one thread, in its commune, kept for ``THREAD_TTL``; the tap opens the
    thread's page unless ``path`` says otherwise, and a newer message with the same tag (the
    thread's, by default) replaces it on the phone."""
    return _queue(
        kind=kind,
        commune=thread.commune,
        actor=actor,
        title=title,
        body=body,
        path=path or f"/t/{thread.id}",
        tag=tag or f"t{thread.id}",
        ttl=THREAD_TTL,
        urgency=urgency,
        thread=thread,
        reply=reply,
    )


def _queue_digest(commune: Commune, *, title: str, body: str, path: str, tag: str) -> PushMessage:
    """A morning digest of overdue threads: news of one morning, which the next replaces."""
    return _queue(
        kind=KIND_DIGEST,
        commune=commune,
        actor=None,
        title=title,
        body=body,
        path=path,
        tag=tag,
        ttl=DIGEST_TTL,
        urgency="normal",
    )


def _listed(entries: Sequence[str], more: str | None) -> str:
    """A digest's body: its entries, then how many more it left out (``more``), if any."""
    body = "; ".join(entries)
    return f"{body}; {more}" if more else body


def locale() -> str:
    """Notifications are written once for everyone, in the service's default language."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _thread_name(thread: Thread) -> str:
    if thread.title:
        return thread.title
    return _("Your question") if thread.kind == "question" else _("Your report")


def queue_reply(reply: Reply) -> PushMessage:
    """An official's reply tells the author; a resident's tells officials and participants."""
    thread = reply.thread
    with force_locale(locale()):
        if reply.author_role == OFFICIAL:
            kind = KIND_ANSWER
            if reply.voice_name:
                title = _("The official answered by voice: %(thread)s", thread=_thread_name(thread))
            else:
                title = _("The official answered: %(thread)s", thread=_thread_name(thread))
        else:
            kind = KIND_DISCUSSION
            title = _(
                "New reply: %(thread)s", thread=thread.title or thread.body or _spoken(thread)
            )
        return _queue_about(
            thread,
            kind=kind,
            actor=reply.author,
            title=title,
            body=_reply_body(reply),
            urgency="high",
            reply=reply,
        )


def _seconds(post: Thread | Reply) -> int:
    return max(1, round((post.voice_duration_ms or 0) / 1000))


def _spoken(thread: Thread) -> str:
    """A thread told by voice alone, named in a push."""
    if thread.kind == "question":
        return _("A voice question (%(seconds)d s)", seconds=_seconds(thread))
    return _("A voice report (%(seconds)d s)", seconds=_seconds(thread))


def _reply_body(reply: Reply) -> str:
    """The reply's text; a voice reply says it is one and how long it plays, first: the push
    cannot play it, the thread's page can."""
    if not reply.voice_name:
        return reply.body
    if reply.author_role == OFFICIAL:
        said = _("A voice answer (%(seconds)d s): open it to listen.", seconds=_seconds(reply))
    else:
        said = _("A voice reply (%(seconds)d s): open it to listen.", seconds=_seconds(reply))
    return f"{said} {reply.body}" if reply.body else said


def queue_status_change(change: StatusChange) -> PushMessage:
    """The author and followers hear of the new status, with the official's note."""
    thread = change.thread
    with force_locale(locale()):
        return _queue_about(
            thread,
            kind=KIND_ANSWER,
            actor=change.actor,
            title=_(
                "%(thread)s: %(status)s",
                thread=_thread_name(thread),
                status=status_label(change.to_status),
            ),
            body=_status_body(change),
            path=f"/t/{thread.id}#confirmation" if change.to_status == "resolved" else None,
            urgency="high",
        )


def _status_body(change: StatusChange) -> str:
    """The official's note; once resolved, the author is asked whether it was fixed (issue
    14), the tap opening the question on the thread's page."""
    body = change.note or _("The status of your thread has changed.")
    if change.to_status == "resolved":
        asked = _("Has it been fixed? Tell us on the thread page.")
        body = f"{body} {asked}"
    return body


def queue_new_thread(thread: Thread) -> PushMessage:
    """The commune's officials hear of a new question or report (from a member or Open311)."""
    with force_locale(locale()):
        title = _("New question") if thread.kind == "question" else _("New problem report")
        return _queue_about(
            thread,
            kind=KIND_NEW_THREAD,
            actor=thread.author,
            title=f"{title}: {thread.title}" if thread.title else title,
            body=thread.body or (_spoken(thread) if thread.voice_name else ""),
            urgency="high" if thread.urgent else "normal",
        )


def queue_escalation(thread: Thread) -> PushMessage:
    """The admins of the commune's area hear of an urgent report nobody answered in 30
    minutes (app/notifications/escalation.py writes its deliveries itself)."""
    commune = thread.commune
    with force_locale(locale()):
        return _queue_about(
            thread,
            kind=KIND_ESCALATION,
            title=_("Urgent report not answered: %(commune)s", commune=commune.name),
            body=_(
                "No official has answered an urgent report for 30 minutes. "
                "Please contact the commune's officials."
            ),
            path=f"/admin/communes/{commune.slug}",
            tag=f"e{thread.id}",
            urgency="high",
        )


def queue_overdue(thread: Thread) -> PushMessage:
    """The commune's officials hear that a thread missed its deadline (the answer's while it
    has none, else the settlement's)."""
    with force_locale(locale()):
        if thread.first_response_at is None:
            title = _("Overdue, not answered: %(thread)s", thread=_short(thread))
            body = _("The answer was due by %(due)s.", due=_local_time(thread.respond_by))
        else:
            title = _("Overdue, not settled: %(thread)s", thread=_short(thread))
            body = _("It was to be settled by %(due)s.", due=_local_time(thread.resolve_by))
        return _queue_about(
            thread,
            kind=KIND_OVERDUE,
            title=title,
            body=body,
            path=f"/w/t/{thread.id}",
            tag=f"o{thread.id}",
            urgency="high" if thread.urgent else "normal",
        )


def _short(thread: Thread) -> str:
    """A thread named in a push to officials: its title, or the start of its text."""
    text = thread.title or thread.body
    return text if len(text) <= 80 else text[:79] + "…"


def _local_time(moment: datetime | None) -> str:
    """``14:30 03/12`` in the commune's time zone."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(ZONE).strftime("%H:%M %d/%m")


def queue_digest(commune: Commune, first: Sequence[Thread], count: int) -> PushMessage:
    """The morning digest for a commune's officials: how many threads are overdue, the
    longest late named; the tap opens the list (``/w/<slug>/overdue``)."""
    with force_locale(locale()):
        title = ngettext(
            "%(num)d overdue thread: %(commune)s",
            "%(num)d overdue threads: %(commune)s",
            count,
            commune=commune.name,
        )
        more = _("and %(num)d more", num=count - len(first)) if count > len(first) else None
        return _queue_digest(
            commune,
            title=title,
            body=_listed([f"#{thread.id} {_short(thread)}" for thread in first], more),
            path=f"/w/{commune.slug}/overdue",
            tag=f"d{commune.id}",
        )


def queue_admin_digest(communes: Sequence[tuple[Commune, int]], total: int) -> PushMessage:
    """The morning digest for an admin: the communes of their area with overdue threads, the
    most first (names and counts only: the admins do not read the threads). Its deliveries
    are written by ``app/notifications/digest.py``."""
    with force_locale(locale()):
        title = ngettext(
            "%(num)d overdue thread in your communes",
            "%(num)d overdue threads in your communes",
            total,
        )
        shown = communes[:5]
        left = len(communes) - len(shown)
        more = _("and %(num)d more communes", num=left) if left else None
        return _queue_digest(
            communes[0][0],
            title=title,
            body=_listed([f"{commune.name}: {count}" for commune, count in shown], more),
            path="/admin/overdue",
            tag="digest",
        )


def queue_duplicate(change: StatusChange) -> PushMessage:
    """The duplicate's author, followers and supporters hear that it was closed and that they
    now follow the original (``app/notifications/subscribers.py`` writes the deliveries: the
    supporters' "me too" has moved, so no query could find them later). The tap opens the
    duplicate's page, which links to the original for those who may read it; the original's
    words are not in the push, since it may be for officials only."""
    thread = change.thread
    with force_locale(locale()):
        return _queue_about(
            thread,
            kind=KIND_DUPLICATE,
            actor=change.actor,
            title=_("%(thread)s: merged with another thread", thread=_thread_name(thread)),
            body=_(
                "An official found the same matter in another thread and closed this one. "
                "You now follow the other thread and will hear of its answers."
            ),
            urgency="normal",
        )


def queue_announcement(announcement: Announcement, commune: Commune) -> PushMessage:
    """Every member hears of it; an urgent one says so and goes with ``Urgency: high``, which
    phones saving battery (Android's Doze) deliver at once instead of minutes later. It is not
    delivered after the announcement expires."""
    title = announcement.title
    if announcement.urgent:
        with force_locale(locale()):
            title = _("Urgent: %(title)s", title=title)
    message = _queue(
        kind=KIND_ANNOUNCEMENT,
        commune=commune,
        actor=announcement.author,
        title=title,
        body=announcement.body,
        path=f"/c/{commune.slug}#announcement-{announcement.id}",
        tag=f"a{announcement.id}",
        ttl=ANNOUNCEMENT_TTL,
        urgency="high" if announcement.urgent else "normal",
        announcement=announcement,
    )
    if announcement.expires_at is not None:
        message.expires_at = min(message.expires_at, as_utc(announcement.expires_at))
    return message
