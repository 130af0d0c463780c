"""How each resource looks in JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.audit.views import AuditEntry
from app.communes.models import Commune
from app.communes.services import join_url
from app.membership.models import Membership
from app.models_base import as_utc, isoformat, utcnow
from app.threads.models import Category, Reply, StatusChange, Thread, ThreadNote
from app.workspace.models import CannedReply


def former_member() -> dict[str, Any]:
    return {"display_name": None}


def commune_json(commune: Commune, *, with_join_url: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": commune.slug, "name": commune.name}
    if with_join_url:
        data["join_url"] = join_url(current_app.config["BASE_URL"], commune)
    return data


def hidden_json(post: Thread | Reply) -> dict[str, Any] | None:
    """Moderation: null, or why and when the post was hidden. Only officials and the post's
    author ever receive a hidden post."""
    if post.hidden_at is None:
        return None
    return {"reason": post.hidden_reason, "hidden_at": isoformat(post.hidden_at)}


def category_json(category: Category, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"id": category.id, "code": category.code, "name": category.name}
    if full:
        data["position"] = category.position
        data["archived"] = category.archived
    return data


def thread_json(thread: Thread, reply_count: int) -> dict[str, Any]:
    return {
        "id": thread.id,
        "commune": thread.commune.slug,
        "kind": thread.kind,
        "title": thread.title,
        "body": thread.body,
        "status": thread.status,
        "visibility": thread.visibility,
        "author": {"display_name": thread.author.display_name}
        if thread.author
        else former_member(),
        "created_at": isoformat(thread.created_at),
        "reply_count": reply_count,
        "photo_url": f"/photos/{thread.photo_name}" if thread.photo_name else None,
        "category": category_json(thread.category) if thread.category else None,
        "hidden": hidden_json(thread),
        "location": location_json(thread),
    }


def location_json(thread: Thread) -> dict[str, Any] | None:
    if thread.latitude is None and not thread.address:
        return None
    return {"latitude": thread.latitude, "longitude": thread.longitude, "address": thread.address}


def reply_json(reply: Reply) -> dict[str, Any]:
    author: dict[str, Any] = {"display_name": None, "role": reply.author_role}
    if reply.author:
        author["display_name"] = reply.author.display_name
    return {
        "id": reply.id,
        "thread_id": reply.thread_id,
        "body": reply.body,
        "author": author,
        "created_at": isoformat(reply.created_at),
        "hidden": hidden_json(reply),
    }


def status_change_json(change: StatusChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "from_status": change.from_status,
        "status": change.to_status,
        "note": change.note,
        "actor": {"display_name": change.actor.display_name if change.actor else None},
        "created_at": isoformat(change.created_at),
    }


def thread_detail_json(thread: Thread) -> dict[str, Any]:
    """``thread.replies`` holds what the reader may see (``readable_thread`` sees to it)."""
    data = thread_json(thread, len(thread.replies))
    data["replies"] = [reply_json(reply) for reply in thread.replies]
    data["history"] = [status_change_json(change) for change in thread.history]
    return data


def announcement_json(announcement: Announcement) -> dict[str, Any]:
    expires_at = announcement.expires_at
    return {
        "id": announcement.id,
        "title": announcement.title,
        "body": announcement.body,
        "author": {
            "display_name": announcement.author.display_name if announcement.author else None
        },
        "created_at": isoformat(announcement.created_at),
        "urgent": announcement.urgent,
        "pinned": announcement.pinned,
        "expires_at": isoformat(expires_at) if expires_at else None,
        "expired": expires_at is not None and as_utc(expires_at) <= utcnow(),
        "edited_at": isoformat(announcement.edited_at) if announcement.edited_at else None,
    }


def account_json(account: Account) -> dict[str, Any]:
    return {"id": account.id, "email": account.email, "role": account.kind}


# --- the officials' workspace -----------------------------------------------------------------


def person_json(account: Account | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"id": account.id, "display_name": account.display_name}


def workspace_thread_json(
    thread: Thread,
    *,
    reply_count: int,
    answered: bool,
    unread: bool,
    open_flags: int,
) -> dict[str, Any]:
    """A thread as officials see it in the inbox: who wrote it (with the id, to stop them
    posting), who takes care of it, whether it was answered, unread, flagged."""
    data = thread_json(thread, reply_count)
    data["author"] = person_json(thread.author) or former_member()
    data["assignee"] = person_json(thread.assignee)
    data["answered"] = answered
    data["unread"] = unread
    data["open_flags"] = open_flags
    return data


def canned_reply_json(canned: CannedReply) -> dict[str, Any]:
    return {
        "id": canned.id,
        "title": canned.title,
        "body": canned.body,
        "updated_at": isoformat(canned.updated_at),
    }


def note_json(note: ThreadNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "thread_id": note.thread_id,
        "body": note.body,
        "author": {"display_name": note.author.display_name if note.author else None},
        "created_at": isoformat(note.created_at),
    }


def member_json(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.account_id,
        "display_name": membership.account.display_name,
        "role": membership.role,
        "posting_blocked": membership.posting_blocked,
        "posting_blocked_reason": membership.posting_blocked_reason,
        "joined_at": isoformat(membership.created_at),
    }


def audit_event_json(event: AuditEntry, commune_slugs: dict[int, str]) -> dict[str, Any]:
    return {
        "id": event.id,
        "action": event.action,
        "actor": {"id": event.actor_id, "name": event.actor_name},
        "commune": commune_slugs.get(event.commune_id) if event.commune_id else None,
        "target": (
            {"type": event.target_type, "id": event.target_id} if event.target_type else None
        ),
        "reason": event.reason,
        # A reason the reader may not read (about a post they cannot open) is left out.
        "reason_withheld": event.reason_withheld,
        "detail": json.loads(event.detail) if event.detail else None,
        "created_at": isoformat(event.created_at),
    }
