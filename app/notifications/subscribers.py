"""Notifications follow the domain's signals: each event queues its message in the same
transaction, so a request that rolls back queues nothing.

``init_app`` is called by ``create_app``; connecting again (many apps in one process, as in the
tests) changes nothing, since blinker keeps one connection per receiver.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from app.announcements.models import Announcement
from app.communes.models import Commune
from app.extensions import db
from app.notifications import digest, overdue
from app.notifications.audiences import audience, members_told
from app.notifications.digest import send_digests
from app.notifications.escalation import EVERY_S, escalate_unanswered
from app.notifications.messages import (
    queue_announcement,
    queue_duplicate,
    queue_new_thread,
    queue_reply,
    queue_status_change,
)
from app.notifications.overdue import notify_overdue
from app.push.outbox import expand, register_audience
from app.push.periodic import register_periodic
from app.signals import (
    announcement_posted,
    reply_added,
    status_changed,
    thread_created,
    thread_duplicated,
)
from app.threads.models import Reply, StatusChange, Thread


def on_thread_created(thread: Thread, **_extra: object) -> None:
    queue_new_thread(thread)


def on_reply_added(reply: Reply, **_extra: object) -> None:
    queue_reply(reply)


def on_status_changed(change: StatusChange, **_extra: object) -> None:
    queue_status_change(change)


def on_thread_duplicated(
    change: StatusChange, *, told: Sequence[int] = (), **_extra: object
) -> None:
    message = queue_duplicate(change)
    db.session.flush()
    expand(message, members_told(message, told))


def on_announcement_posted(
    announcement: Announcement, *, commune: Commune, **_extra: object
) -> None:
    queue_announcement(announcement, commune)


def init_app(app: Flask) -> None:
    """Subscribe to the signals, tell the push worker who hears of each message, and what it
    runs every so often."""
    thread_created.connect(on_thread_created)
    reply_added.connect(on_reply_added)
    status_changed.connect(on_status_changed)
    announcement_posted.connect(on_announcement_posted)
    thread_duplicated.connect(on_thread_duplicated)
    register_audience(app, audience)
    register_periodic(app, "escalate urgent reports", escalate_unanswered, every_s=EVERY_S)
    register_periodic(app, "push overdue threads", notify_overdue, every_s=overdue.EVERY_S)
    register_periodic(app, "morning digest", send_digests, every_s=digest.EVERY_S)
