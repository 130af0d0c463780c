"""Which threads and replies the caller may act on, beyond reading (``readable_thread``)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import Account
from app.errors import NotFound, require_signed_in
from app.extensions import db
from app.membership.services import require_official
from app.threads.models import Reply, Thread
from app.threads.services import may_see_reply, readable_thread


def official_thread(thread_id: int, account: Account | None) -> Thread:
    """A thread of a commune the caller serves: 404 when the caller cannot see it at all, 403
    for a member who sees it but is not an official."""
    thread, _role = readable_thread(thread_id, account)
    require_official(account, thread.commune)
    return thread


def readable_reply(reply_id: int, account: Account | None) -> tuple[Reply, str]:
    """A reply the caller may see, with the caller's role (404 otherwise)."""
    account = require_signed_in(account)
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(_("This reply does not exist or you cannot see it."))
    try:
        thread, role = readable_thread(reply.thread_id, account)
    except NotFound:
        raise NotFound(_("This reply does not exist or you cannot see it.")) from None
    if not may_see_reply(reply, account, role):
        raise NotFound(_("This reply does not exist or you cannot see it."))
    assert thread.id == reply.thread_id
    return reply, role


def post_with_voice(voice_name: str, account: Account | None) -> Thread | Reply:
    """The thread or reply a voice note belongs to, if the caller may read it (the rule of
    photos: whoever may read the post; a hidden reply's voice only for whom sees the reply)."""
    account = require_signed_in(account)
    missing = NotFound(_("This voice note does not exist or you cannot see it."))
    if len(voice_name) > 64:
        raise missing
    thread = db.session.scalar(select(Thread).where(Thread.voice_name == voice_name))
    if thread is not None:
        try:
            readable_thread(thread.id, account)
        except NotFound:
            raise missing from None
        return thread
    reply = db.session.scalar(select(Reply).where(Reply.voice_name == voice_name))
    if reply is None:
        raise missing
    try:
        found, _role = readable_reply(reply.id, account)
    except NotFound:
        raise missing from None
    return found
