"""Threads in JSON: a thread, its replies and history, categories; what asking, replying,
changing the status and flagging take.

The request models describe the threads' services' own checks (they run after the checks of
who may do what, so a stranger never learns what a valid post looks like).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from app.communes.schemas import Role
from app.push.schemas import Delivery
from app.schema.fields import nullable
from app.schema.out import By, Count, DbId, Out, Time
from app.threads import models
from app.threads.models import KINDS, STATUSES, VISIBILITIES


def described(schema: dict[str, Any]) -> Any:
    """A field checked by a service, shown with this schema."""
    return Annotated[Any, WithJsonSchema(schema)]


def _text(max_len: int, *, line: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_len}
    return {**schema, "description": "a single line"} if line else schema


BODY = _text(4000)
REASON = _text(1000)
ID_OR_NONE = {"type": ["integer", "string", "null"], "description": "an id, or null"}
PLACE = {"type": ["number", "string", "null"]}


class NewThread(BaseModel):
    """``POST /communes/{slug}/threads`` as JSON."""

    kind: described({"type": "string", "enum": list(KINDS)})
    title: described(nullable(_text(200, line=True))) = None
    body: described(BODY)
    visibility: described(nullable({"type": "string", "enum": list(VISIBILITIES)})) = None
    address: described(nullable(_text(250, line=True))) = None
    category: described({**ID_OR_NONE, "description": "the id of an active category"}) = None
    latitude: described({**PLACE, "description": "-90 to 90, given with longitude"}) = None
    longitude: described({**PLACE, "description": "-180 to 180, given with latitude"}) = None


class NewThreadForm(BaseModel):
    """The same as a form: text fields, and the photo as a file."""

    kind: str
    title: str | None = None
    body: str
    visibility: str | None = None
    address: str | None = None
    category: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    photo: described(
        {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "JPEG, PNG, WebP, GIF or HEIF, at most 10 MB",
        }
    ) = None


class NewReply(BaseModel):
    body: described(BODY)


class StatusRequest(BaseModel):
    status: described({"type": "string", "enum": list(STATUSES)})
    note: described(nullable(BODY)) = None


class OptionalReason(BaseModel):
    reason: described(nullable(REASON)) = None


class RequiredReason(BaseModel):
    reason: described(REASON)


# --- answers ------------------------------------------------------------------------------------


class Category(Out):
    id: DbId
    code: str
    name: str


class CategoryFull(Category):
    position: Count
    archived: bool


class Hidden(Out):
    """Why and when a post was hidden (only officials and its author see a hidden post)."""

    reason: str | None
    hidden_at: Time


class Location(Out):
    latitude: float | None
    longitude: float | None
    address: str | None


def hidden_of(post: models.Thread | models.Reply) -> Hidden | None:
    if post.hidden_at is None:
        return None
    return Hidden(reason=post.hidden_reason, hidden_at=post.hidden_at)


class Thread(Out):
    id: DbId
    commune: str
    kind: Literal[KINDS]
    title: str = Field(description="empty when none was given")
    body: str
    status: Literal[STATUSES]
    visibility: Literal[VISIBILITIES]
    author: By
    created_at: Time
    reply_count: Count
    photo_url: str | None
    category: Category | None
    hidden: Hidden | None
    location: Location | None

    @classmethod
    def fields_of(cls, thread: models.Thread, reply_count: int) -> dict[str, Any]:
        """The fields every view of a thread shares."""
        located = thread.latitude is not None or bool(thread.address)
        return {
            "id": thread.id,
            "commune": thread.commune.slug,
            "kind": thread.kind,
            "title": thread.title,
            "body": thread.body,
            "status": thread.status,
            "visibility": thread.visibility,
            "author": By.of(thread.author),
            "created_at": thread.created_at,
            "reply_count": reply_count,
            "photo_url": f"/photos/{thread.photo_name}" if thread.photo_name else None,
            "category": Category.model_validate(thread.category) if thread.category else None,
            "hidden": hidden_of(thread),
            "location": (
                Location(
                    latitude=thread.latitude, longitude=thread.longitude, address=thread.address
                )
                if located
                else None
            ),
        }

    @classmethod
    def of(cls, thread: models.Thread, reply_count: int) -> Thread:
        return cls(**cls.fields_of(thread, reply_count))


class ThreadList(Out):
    items: list[Thread]
    next_cursor: str | None


class SimilarThreads(Out):
    items: list[Thread]


class ReplyAuthor(Out):
    display_name: str | None
    role: Role


class Reply(Out):
    omitted_when_none = ("delivery",)

    id: DbId
    thread_id: DbId
    body: str
    author: ReplyAuthor
    created_at: Time
    hidden: Hidden | None
    delivery: Delivery | None = None  # for the thread's author and officials

    @classmethod
    def of(cls, reply: models.Reply, delivery: dict[str, int] | None = None) -> Reply:
        author = reply.author
        return cls(
            id=reply.id,
            thread_id=reply.thread_id,
            body=reply.body,
            author=ReplyAuthor(
                display_name=author.display_name if author else None, role=reply.author_role
            ),
            created_at=reply.created_at,
            hidden=hidden_of(reply),
            delivery=Delivery(**delivery) if delivery else None,
        )


class StatusChange(Out):
    id: DbId
    from_status: Literal[STATUSES]
    status: Literal[STATUSES]
    note: str | None
    actor: By
    created_at: Time

    @classmethod
    def of(cls, change: models.StatusChange) -> StatusChange:
        return cls(
            id=change.id,
            from_status=change.from_status,
            status=change.to_status,
            note=change.note,
            actor=By.of(change.actor),
            created_at=change.created_at,
        )


class ThreadDetail(Thread):
    replies: list[Reply]
    history: list[StatusChange]


class ThreadView(ThreadDetail):
    following: bool


class ThreadChanged(ThreadDetail):
    change: StatusChange


class Following(Out):
    following: Literal[True]


class Flagged(Out):
    flagged: Literal[True]
