"""The officials' workspace in JSON: the inbox, notes, assignment, canned replies, members,
the moderation queue; and what officials send for them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext
from pydantic import BaseModel, WithJsonSchema

from app.membership.schemas import Role
from app.schema.fields import Text, nullable
from app.schema.out import By, Count, DbId, Out, Time
from app.threads.schemas import (
    BODY_LIMIT,
    ID_OR_NONE,
    Category,
    CategoryFull,
    CategoryName,
    Thread,
    described,
)

CannedTitle = Text(lazy_gettext("The title"), max_len=80, line=True)
CannedBody = Text(lazy_gettext("The text"), max_len=BODY_LIMIT)
CategoryCode = described(
    nullable({"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$"})
)
IdOrNone = described(ID_OR_NONE)
Flag = Annotated[Any, WithJsonSchema({"type": "boolean"})]
Position = Annotated[Any, WithJsonSchema({"type": "integer", "minimum": 0})]


class Assignment(BaseModel):
    assignee: IdOrNone = None


class Recategorisation(BaseModel):
    category: IdOrNone = None


class NewCannedReply(BaseModel):
    title: CannedTitle
    body: CannedBody


class CannedReplyChange(BaseModel):
    """The title, the text, or both; each checked when given."""

    title: CannedTitle = None  # type: ignore[assignment]
    body: CannedBody = None  # type: ignore[assignment]


class NewCategory(BaseModel):
    name: CategoryName
    code: CategoryCode = None
    personal: Flag = None  # new questions in it default to officials only (default false)


class CategoryChange(BaseModel):
    name: CategoryName = None
    position: Position = None
    archived: Flag = None
    personal: Flag = None


# --- answers ------------------------------------------------------------------------------------


class Person(Out):
    id: DbId
    display_name: str


class PersonList(Out):
    items: list[Person]


class InboxAuthor(Out):
    """Who wrote a thread, with the id so that officials can stop them posting; no id for a
    former member."""

    omitted_when_none = ("id",)

    display_name: str | None
    id: DbId | None = None


class WorkspaceThread(Thread):
    author: InboxAuthor  # type: ignore[assignment]
    assignee: Person | None
    answered: bool
    unread: bool
    open_flags: Count

    @classmethod
    def of_item(cls, item: Any) -> WorkspaceThread:
        """From the inbox's ``InboxItem``."""
        fields = Thread.fields_of(item.thread, item.reply_count)
        author = item.thread.author
        fields["author"] = (
            InboxAuthor(display_name=author.display_name, id=author.id)
            if author
            else InboxAuthor(display_name=None)
        )
        assignee = item.thread.assignee
        return cls(
            **fields,
            assignee=Person.model_validate(assignee) if assignee else None,
            answered=item.answered,
            unread=item.unread,
            open_flags=item.open_flags,
        )


class Inbox(Out):
    items: list[WorkspaceThread]
    next_cursor: str | None


class Note(Out):
    id: DbId
    thread_id: DbId
    body: str
    author: By
    created_at: Time

    @classmethod
    def of(cls, note: Any) -> Note:
        return cls(
            id=note.id,
            thread_id=note.thread_id,
            body=note.body,
            author=By.of(note.author),
            created_at=note.created_at,
        )


class NoteList(Out):
    items: list[Note]


class Assigned(Out):
    id: DbId
    assignee: Person | None


class Recategorised(Out):
    id: DbId
    category: Category | None


class CannedReply(Out):
    id: DbId
    title: str
    body: str
    updated_at: Time


class CannedReplyList(Out):
    items: list[CannedReply]


class Member(Out):
    id: DbId
    display_name: str
    role: Role
    posting_blocked: bool
    posting_blocked_reason: str | None
    joined_at: Time

    @classmethod
    def of(cls, membership: Any) -> Member:
        return cls(
            id=membership.account_id,
            display_name=membership.account.display_name,
            role=membership.role,
            posting_blocked=membership.posting_blocked,
            posting_blocked_reason=membership.posting_blocked_reason,
            joined_at=membership.created_at,
        )


class MemberList(Out):
    items: list[Member]
    next_cursor: str | None


class FlaggedPost(Out):
    type: Literal["thread", "reply"]
    id: DbId
    thread_id: DbId
    body: str
    author: Person | None
    hidden: bool
    hidden_reason: str | None
    flags: Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1})]
    counted: Count
    protected: bool
    reasons: list[str]

    @classmethod
    def of(cls, item: Any) -> FlaggedPost:
        post = item.post
        author = post.target.author
        return cls(
            type=post.kind,
            id=post.id,
            thread_id=post.thread.id,
            body=post.target.body,
            author=Person.model_validate(author) if author else None,
            hidden=post.target.hidden_at is not None,
            hidden_reason=post.target.hidden_reason,
            flags=item.flags,
            counted=item.counted,
            protected=item.protected,
            reasons=item.reasons,
        )


class FlaggedPostList(Out):
    items: list[FlaggedPost]


class CategoryList(Out):
    """Active categories; with ``archived=1`` (officials) every one, in full."""

    items: list[CategoryFull | Category]
