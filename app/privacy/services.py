"""What we hold about a person, handed over on request; what leaving a group takes with it;
and forgetting them.

docs/privacy.md lists what deletion removes and what is kept, and why; keep both in step.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from app.accounts.models import Account, LoginSession, SignInCode
from app.accounts.sessions import sessions_of
from app.announcements.models import Announcement
from app.audit.services import forget_resident
from app.communes.models import Commune
from app.errors import Forbidden
from app.extensions import db
from app.media.storage import MediaStorage, media_storage
from app.membership.models import Invitation, Membership
from app.membership.services import membership_of, memberships_of
from app.privacy.schemas import (
    Export,
    ExportedAccount,
    ExportedConfirmation,
    ExportedFlag,
    ExportedMembership,
    ExportedReply,
    ExportedSession,
    ExportedSubscription,
    ExportedSupport,
    ExportedThread,
)
from app.push.models import PushSubscription
from app.threads.models import Confirmation, Flag, Reply, StatusChange, Thread, ThreadSupport
from app.threads.photos import photo_keys

# Photo and voice objects to delete once the transaction that deleted their posts commits.
_DISCARD_KEY = "photo_files_to_discard"
log = logging.getLogger(__name__)


def export_data(account: Account) -> Export:
    """Everything stored about ``account``."""
    memberships = db.session.scalars(
        select(Membership).where(Membership.account_id == account.id)
    ).all()
    threads = db.session.scalars(select(Thread).where(Thread.author_id == account.id)).all()
    replies = db.session.scalars(select(Reply).where(Reply.author_id == account.id)).all()
    supports = db.session.scalars(
        select(ThreadSupport)
        .where(ThreadSupport.account_id == account.id)
        .order_by(ThreadSupport.id)
    ).all()
    confirmations = db.session.scalars(
        select(Confirmation).where(Confirmation.account_id == account.id).order_by(Confirmation.id)
    ).all()
    subscriptions = db.session.scalars(
        select(PushSubscription).where(PushSubscription.account_id == account.id)
    ).all()
    flags = db.session.scalars(select(Flag).where(Flag.account_id == account.id)).all()
    return Export(
        account=ExportedAccount.model_validate(account),
        memberships=[ExportedMembership.of(m) for m in memberships],
        threads=[ExportedThread.of(t) for t in threads],
        replies=[ExportedReply.of(r) for r in replies],
        supports=[ExportedSupport.model_validate(s) for s in supports],
        confirmations=[ExportedConfirmation.model_validate(c) for c in confirmations],
        push_subscriptions=[ExportedSubscription.model_validate(s) for s in subscriptions],
        flags=[ExportedFlag.of(f) for f in flags],
        sessions=[ExportedSession.model_validate(s) for s in sessions_of(account)],
    )


def detach_posts(account: Account, commune: Commune | None, *, delete_posts: bool) -> None:
    """Posts stay as "former member" (no author), or are deleted when asked."""
    thread_ids = select(Thread.id).where(Thread.author_id == account.id)
    reply_filter = [Reply.author_id == account.id]
    if commune is not None:
        thread_ids = thread_ids.where(Thread.commune_id == commune.id)
        reply_filter.append(
            Reply.thread_id.in_(select(Thread.id).where(Thread.commune_id == commune.id))
        )
    storage = media_storage()
    # A voice identifies its speaker: it never stays as a former member's, even where the
    # words do. Their own voice notes go in both cases (and others' replies in deleted threads).
    _discard_voices(storage, thread_ids, reply_filter, delete_posts=delete_posts)
    if delete_posts:
        photos = db.session.scalars(
            select(Thread.photo_name).where(
                Thread.id.in_(thread_ids), Thread.photo_name.is_not(None)
            )
        ).all()
        _discard_after_commit([(storage, key) for name in photos for key in photo_keys(name)])
        db.session.execute(delete(Reply).where(*reply_filter))
        db.session.execute(delete(Thread).where(Thread.id.in_(thread_ids)))
    else:
        db.session.execute(update(Reply).where(*reply_filter).values(author_id=None))
        db.session.execute(update(Thread).where(Thread.id.in_(thread_ids)).values(author_id=None))


def _discard_voices(
    storage: MediaStorage, thread_ids: Select, reply_filter: list, *, delete_posts: bool
) -> None:
    """The voice notes of the person's posts go after the commit; kept posts lose theirs."""
    own_threads = Thread.id.in_(thread_ids)
    replies = select(Reply.voice_name).where(*reply_filter, Reply.voice_name.is_not(None))
    if delete_posts:
        # Others' replies in the deleted threads go with them (the rows cascade), so do their
        # voice notes.
        replies = select(Reply.voice_name).where(
            or_(and_(*reply_filter), Reply.thread_id.in_(thread_ids)),
            Reply.voice_name.is_not(None),
        )
    names = [
        *db.session.scalars(
            select(Thread.voice_name).where(own_threads, Thread.voice_name.is_not(None))
        ),
        *db.session.scalars(replies),
    ]
    _discard_after_commit([(storage, name) for name in names])
    if not delete_posts:
        cleared = {"voice_name": None, "voice_mime": None, "voice_duration_ms": None}
        db.session.execute(update(Thread).where(own_threads).values(cleared))
        db.session.execute(update(Reply).where(*reply_filter).values(cleared))


def leave(account: Account | None, commune: Commune, *, delete_posts: bool = False) -> None:
    """Leave a group: its posts stay as "former member" (or go, when asked); a person left
    with no group keeps no push subscription either."""
    membership = membership_of(account, commune)
    if account is None or membership is None:
        raise Forbidden(_("You are not a member of this commune group."))
    detach_posts(account, commune, delete_posts=delete_posts)
    db.session.delete(membership)
    db.session.flush()
    if not memberships_of(account):
        db.session.execute(
            delete(PushSubscription).where(PushSubscription.account_id == account.id)
        )


def delete_account(account: Account, *, delete_posts: bool) -> None:
    """Forget a person: memberships, subscriptions, sessions and sign-in codes, flags,
    invitations and their name in the audit log go at once; posts stay as "former member"
    (without their voice notes) or go with their photos and voice notes."""
    detach_posts(account, None, delete_posts=delete_posts)
    forget_resident(account)
    db.session.execute(delete(Flag).where(Flag.account_id == account.id))
    db.session.execute(delete(LoginSession).where(LoginSession.account_id == account.id))
    db.session.execute(delete(SignInCode).where(SignInCode.account_id == account.id))
    invitations = [Invitation.account_id == account.id]
    if account.email:
        invitations.append(func.lower(Invitation.email) == account.email.lower())
    db.session.execute(delete(Invitation).where(or_(*invitations)))
    for model, column in (
        (StatusChange, StatusChange.actor_id),
        (Announcement, Announcement.author_id),
    ):
        db.session.execute(update(model).where(column == account.id).values({column.key: None}))
    db.session.execute(delete(PushSubscription).where(PushSubscription.account_id == account.id))
    db.session.execute(delete(Membership).where(Membership.account_id == account.id))
    db.session.delete(account)
    db.session.flush()


def _discard_after_commit(objects: list[tuple[MediaStorage, str]]) -> None:
    if objects:
        db.session.info.setdefault(_DISCARD_KEY, []).extend(objects)


def _discard_photo_files(session: Session) -> None:
    for storage, key in session.info.pop(_DISCARD_KEY, ()):
        try:
            storage.delete(key)
        except Exception:
            # The posts are gone already; `flask media check --fix` removes what is left.
            log.warning("a deleted post's media object stayed", exc_info=True)


def _keep_photo_files(session: Session) -> None:
    session.info.pop(_DISCARD_KEY, None)


def connect_listeners() -> None:
    """Deleted posts' photo objects go once their deletion commits (and stay on a rollback).
    Called by create_app; SQLAlchemy would call a listener added twice twice, hence the check."""
    for name, listener in (
        ("after_commit", _discard_photo_files),
        ("after_rollback", _keep_photo_files),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
