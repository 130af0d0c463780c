"""How each resource looks in JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.accounts.models import Account
from app.announcements.models import Announcement
from app.communes.models import Commune
from app.communes.services import join_url
from app.feedback.models import Reply, StatusChange, Thread
from app.models_base import isoformat


def former_member() -> dict[str, Any]:
    return {"display_name": None}


def commune_json(commune: Commune, *, with_join_url: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": commune.slug, "name": commune.name}
    if with_join_url:
        data["join_url"] = join_url(current_app.config["BASE_URL"], commune)
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
        "category": (
            {"id": thread.category.id, "code": thread.category.code, "name": thread.category.name}
            if thread.category
            else None
        ),
    }


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
    data = thread_json(thread, len(thread.replies))
    data["replies"] = [reply_json(reply) for reply in thread.replies]
    data["history"] = [status_change_json(change) for change in thread.history]
    return data


def announcement_json(announcement: Announcement) -> dict[str, Any]:
    return {
        "id": announcement.id,
        "title": announcement.title,
        "body": announcement.body,
        "author": {
            "display_name": announcement.author.display_name if announcement.author else None
        },
        "created_at": isoformat(announcement.created_at),
    }


def account_json(account: Account) -> dict[str, Any]:
    return {"id": account.id, "email": account.email, "role": account.kind}
