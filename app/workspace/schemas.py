"""The officials' workspace in JSON: the inbox, notes, assignment, canned replies, members,
the moderation queue; and what officials send for them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from app.membership.schemas import Role
from app.parsing import InvalidValue, parse_id
from app.schema.fields import Text, WholeNumber, nullable
from app.schema.out import By, Count, DbId, Out, Time
from app.schema.query import Cursor, Limit, PageQuery, QueryFlag
from app.threads.schemas import (
    BODY_LIMIT,
    ID_OR_NONE,
    Category,
    CategoryFull,
    CategoryName,
    Thread,
    described,
)
from app.workspace.inbox import ELSEWHERE_LIMIT

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


ResponseHours = Annotated[Any, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 200})]
ResolveDays = Annotated[Any, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 90})]


class NewCategory(BaseModel):
    name: CategoryName
    code: CategoryCode = None
    response_hours: ResponseHours = None
    resolve_days: ResolveDays = None
    personal: Flag = None  # new questions in it default to officials only (default false)


class CategoryChange(BaseModel):
    name: CategoryName = None
    position: Position = None
    archived: Flag = None
    response_hours: ResponseHours = None
    resolve_days: ResolveDays = None
    personal: Flag = None


# --- the pages' forms and query strings -------------------------------------------------------
# A form sends text only: these models turn it into what the services take (the same values
# the JSON API sends), and the services check them with the models above.


def _id_or_none(value: Any) -> int | None:
    """An id in a link or hidden field; anything else is no id (a hand-edited address)."""
    try:
        return parse_id(value, "id")
    except InvalidValue:
        return None


def _form_flag(value: Any) -> bool | None:
    """A select's "1" or "0"; anything else leaves the value as it is."""
    return {"1": True, "0": False}.get(value) if isinstance(value, str) else None


# A category's place in the list, as the categories page's buttons send it; blank keeps it.
FormPosition = WholeNumber(lambda: _("position must be a whole number from 0."), blank=True)


LinkId = Annotated[int | None, BeforeValidator(_id_or_none)]


class ThreadPageQuery(BaseModel):
    """``/w/t/<id>?canned=<id>``: a canned reply to start the answer with."""

    canned: LinkId = None


class BackToThread(BaseModel):
    """A moderation form's ``back``: the workspace thread it was sent from, if any."""

    back: LinkId = None


class CategoryForm(BaseModel):
    """A row of the categories page: rename, move, archive/restore or mark personal."""

    name: str | None = None
    archived: Annotated[bool | None, BeforeValidator(_form_flag)] = None
    personal: Annotated[bool | None, BeforeValidator(_form_flag)] = None
    position: FormPosition = None

    def change(self) -> dict[str, Any]:
        """What ``update_category`` takes: the fields that change."""
        return self.model_dump(exclude_none=True)


class NewCategoryForm(BaseModel):
    """The categories page's "new category" form: a name, and a ticked box for personal."""

    name: str | None = None
    personal: Annotated[bool, BeforeValidator(lambda value: value == "1")] = False

    def fields(self) -> dict[str, Any]:
        """What ``create_category`` takes."""
        return self.model_dump()


class CategoriesQuery(BaseModel):
    """``GET /communes/<slug>/categories?archived=1``: archived ones too, in full."""

    archived: QueryFlag("archived") = False


class MembersQuery(BaseModel):
    """``GET /communes/<slug>/members``: only those stopped from posting, a page."""

    blocked: QueryFlag("blocked") = False
    cursor: Cursor = None
    limit: Limit = None

    size = PageQuery.size


class AuditQuery(BaseModel):
    """``GET /audit``: one commune's events (by slug, default all the caller may read), a page."""

    commune: Annotated[str | None, BeforeValidator(lambda value: value or None)] = None
    cursor: Cursor = None
    limit: Limit = None

    size = PageQuery.size


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


class Elsewhere(Out):
    """Where else a search found matches when it found none among the chosen statuses."""

    status: Literal["all"] = Field(description="the status filter that shows them")
    count: Count = Field(description=f"how many, at most {ELSEWHERE_LIMIT}; 0: none anywhere")
    more: bool = Field(description=f"true when there are more than {ELSEWHERE_LIMIT}")

    @classmethod
    def of(cls, found: int | None) -> Elsewhere | None:
        """From ``search_elsewhere``'s count (None: nothing to say)."""
        if found is None:
            return None
        return cls(status="all", count=min(found, ELSEWHERE_LIMIT), more=found > ELSEWHERE_LIMIT)


class Inbox(Out):
    items: list[WorkspaceThread]
    next_cursor: str | None
    elsewhere: Elsewhere | None = Field(
        description="set on a first page that a search (q) left empty while status was not "
        "all: what every status holds; null otherwise"
    )


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
