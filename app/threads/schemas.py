"""Threads in JSON: a thread, its replies and history, categories; what asking, replying,
changing the status, notes and flagging take.

The threads' services load the request models (after checking who may do what, so a stranger
never learns what a valid post looks like), for the pages' forms and the API's JSON alike. The
fields they check on their own (a category id, a place) are described here for the document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from app.membership.schemas import Role
from app.parsing import InvalidValue, parse_int
from app.push.schemas import Delivery
from app.schema.fields import Choice, Flag, OptionalText, Text, invalid
from app.schema.out import By, Count, DbId, Out, Time
from app.threads import models
from app.threads.deadlines import is_overdue
from app.threads.models import KINDS, STATUSES, VISIBILITIES


def described(schema: dict[str, Any]) -> Any:
    """A field checked by a service, shown with this schema."""
    return Annotated[Any, WithJsonSchema(schema)]


def _text(max_len: int, *, line: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_len}
    return {**schema, "description": "a single line"} if line else schema


BODY_LIMIT = 4000
BODY = _text(BODY_LIMIT)
ID_OR_NONE = {"type": ["integer", "string", "null"], "description": "an id, or null"}
PLACE = {"type": ["number", "string", "null"]}

Kind = Choice(lazy_gettext("The kind"), KINDS)
Title = OptionalText(lazy_gettext("The title"), max_len=200, line=True)
ThreadBody = Text(lazy_gettext("The text"), max_len=BODY_LIMIT)
OptionalThreadBody = OptionalText(lazy_gettext("The text"), max_len=BODY_LIMIT)
Visibility = Choice(lazy_gettext("Who can see it"), VISIBILITIES, default="public")
Address = OptionalText(lazy_gettext("The address"), max_len=250, line=True)
ReplyBody = Text(lazy_gettext("The reply"), max_len=BODY_LIMIT)
OptionalReplyBody = OptionalText(lazy_gettext("The reply"), max_len=BODY_LIMIT)
Status = Choice(lazy_gettext("The status"), STATUSES)
StatusNote = OptionalText(lazy_gettext("The note"), max_len=BODY_LIMIT)
NoteBody = Text(lazy_gettext("The note"), max_len=BODY_LIMIT)
Reason = Text(lazy_gettext("The reason"), max_len=1000)
OptionalReasonText = OptionalText(lazy_gettext("The reason"), max_len=1000)
CategoryName = Text(lazy_gettext("The category name"), max_len=80, line=True)


def _clean_urgent(value: Any) -> bool:
    """JSON true/false; a form's "1"/"on"/"true" or "0"/"false"/empty (a checkbox)."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "on", "true", "0", "false"):
        return value.lower() in ("1", "on", "true")
    raise invalid(_("urgent must be true or false."))


UrgentFlag = Annotated[
    bool,
    BeforeValidator(_clean_urgent),
    WithJsonSchema(
        {
            "type": ["boolean", "null"],
            "description": "flood, collapsing bridge, fire risk: answered within 60 minutes",
        }
    ),
]


class ThreadText(BaseModel):
    """What every question or report has."""

    kind: Kind
    title: Title = None
    body: ThreadBody
    visibility: Visibility = "public"
    urgent: UrgentFlag = False


class VoiceThreadText(ThreadText):
    """A question or report with a voice note: the voice alone is enough."""

    body: OptionalThreadBody = None


class NewThread(ThreadText):
    """``POST /communes/{slug}/threads`` as JSON."""

    address: Address = None
    category: described({**ID_OR_NONE, "description": "the id of an active category"}) = None
    latitude: described({**PLACE, "description": "-90 to 90, given with longitude"}) = None
    longitude: described({**PLACE, "description": "-180 to 180, given with latitude"}) = None


VOICE_FILE = described(
    {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "description": (
            "a voice note: WebM or Ogg with Opus, or MP4 (M4A) with AAC; at most 1 MB and "
            "60 seconds; read from its bytes (422 with code voice_type, voice_too_long, "
            "voice_too_big, voice_not_audio, voice_damaged or voice_empty); its tags are dropped"
        ),
    }
)


class NewThreadForm(BaseModel):
    """The same as a form: text fields, the photo and the voice note as files."""

    kind: str
    title: str | None = None
    body: str | None = Field(None, description="required unless a voice note is sent")
    visibility: str | None = None
    address: str | None = None
    category: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    urgent: str | None = None
    photo: described(
        {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "JPEG, PNG, WebP, GIF or HEIF, at most 10 MB",
        }
    ) = None
    voice: VOICE_FILE = None


class NewReply(BaseModel):
    body: ReplyBody


class VoiceReply(BaseModel):
    """A reply with a voice note: its text is optional."""

    body: OptionalReplyBody = None


class NewReplyForm(BaseModel):
    """A reply as a form: the text, and the voice note as a file."""

    body: str | None = Field(None, description="required unless a voice note is sent")
    voice: VOICE_FILE = None


class StatusRequest(BaseModel):
    status: Status
    note: StatusNote = None


class NewNote(BaseModel):
    body: NoteBody


class OptionalReason(BaseModel):
    reason: OptionalReasonText = None


class RequiredReason(BaseModel):
    reason: Reason


def _clean_rating(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return parse_int(value, "rating", minimum=1, maximum=5)
    except InvalidValue:
        raise invalid(_("The rating must be a whole number from 1 to 5.")) from None


Rating = Annotated[
    int | None,
    BeforeValidator(_clean_rating),
    WithJsonSchema({"type": ["integer", "null"], "minimum": 1, "maximum": 5}),
]
Fixed = Flag(lambda: _("fixed must be true or false."))
MarkedUrgent = Flag(lambda: _("urgent must be true or false."))
ConfirmationComment = OptionalText(lazy_gettext("The comment"), max_len=1000)


class ConfirmationRequest(BaseModel):
    """``POST /threads/{id}/confirmation``: was it fixed, and how well was it handled."""

    fixed: Fixed
    rating: Rating = None
    comment: ConfirmationComment = None


class UrgencyRequest(BaseModel):
    """``PUT /threads/{id}/urgent``: an official marks a report urgent or not urgent."""

    urgent: MarkedUrgent


# --- answers ------------------------------------------------------------------------------------


class Category(Out):
    id: DbId
    code: str
    name: str
    # Its matters are personal: a new question in it is for the officials only by default.
    personal: bool


class CategoryFull(Category):
    position: Count
    archived: bool
    response_hours: int = Field(description="working hours to the first official answer")
    resolve_days: int = Field(description="working days to resolved or declined")


class Hidden(Out):
    """Why and when a post was hidden (only officials and its author see a hidden post)."""

    reason: str | None
    hidden_at: Time


class ConfirmationOut(Out):
    """The author's answer to "Đã được khắc phục chưa?" (the latest one)."""

    fixed: bool
    rating: int | None
    at: Time


class Location(Out):
    latitude: float | None
    longitude: float | None
    address: str | None


class Voice(Out):
    """A voice note, played by the browser's own <audio> (byte ranges are served)."""

    url: str = Field(description="for those who may read the post, like its photo")
    duration_s: float = Field(description="seconds, to a tenth")
    mime: Literal["audio/webm", "audio/ogg", "audio/mp4"]

    @classmethod
    def of(cls, post: models.Thread | models.Reply) -> Voice | None:
        if post.voice_name is None:
            return None
        return cls(
            url=f"/voice/{post.voice_name}",
            duration_s=round((post.voice_duration_ms or 0) / 1000, 1),
            mime=post.voice_mime,
        )


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
    photo_url: str | None = Field(description="the full photo (at most 1600 px, JPEG)")
    photo_small_url: str | None = Field(
        description="the photo for lists and thread views: WebP, at most 480 px and 30 KB"
    )
    voice: Voice | None = Field(description="the question told by voice, or null")
    category: Category | None
    hidden: Hidden | None
    location: Location | None
    respond_by: Time | None = Field(
        description="the first official answer is due by then (null for older threads)"
    )
    resolve_by: Time | None = Field(description="resolved or declined by then")
    first_response_at: Time | None = Field(
        description="the first official reply or status change, or null"
    )
    overdue: bool = Field(description="true while a deadline has passed unmet")
    urgent: bool = Field(description="an urgent report: respond_by is 60 minutes of clock time")
    confirmation: ConfirmationOut | None = Field(
        description="whether its author said it was fixed after it was resolved"
    )
    supporters: Count = Field(description='members who said "me too"')
    supported: bool = Field(description='whether the caller said "me too"')

    @classmethod
    def fields_of(
        cls, thread: models.Thread, reply_count: int, *, supported: bool = False
    ) -> dict[str, Any]:
        """The fields every view of a thread shares (``supported``: by the caller)."""
        confirmed = thread.confirmations[-1] if thread.confirmations else None
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
            "photo_small_url": f"/photos/{thread.photo_name}/small" if thread.photo_name else None,
            "voice": Voice.of(thread),
            "category": Category.model_validate(thread.category) if thread.category else None,
            "hidden": hidden_of(thread),
            "location": (
                Location(
                    latitude=thread.latitude, longitude=thread.longitude, address=thread.address
                )
                if located
                else None
            ),
            "respond_by": thread.respond_by,
            "resolve_by": thread.resolve_by,
            "first_response_at": thread.first_response_at,
            "overdue": is_overdue(thread),
            "urgent": thread.urgent,
            "confirmation": (
                ConfirmationOut(
                    fixed=confirmed.fixed, rating=confirmed.rating, at=confirmed.created_at
                )
                if confirmed
                else None
            ),
            "supporters": thread.supporters or 0,
            "supported": supported,
        }

    @classmethod
    def of(cls, thread: models.Thread, reply_count: int, *, supported: bool = False) -> Thread:
        return cls(**cls.fields_of(thread, reply_count, supported=supported))


class ThreadList(Out):
    items: list[Thread]
    next_cursor: str | None


class SimilarQuery(BaseModel):
    """``?q=``: the text being typed; ``similar_threads`` checks its length after membership,
    so a stranger is told 403 whatever they send."""

    q: Annotated[str, WithJsonSchema({"type": "string", "maxLength": BODY_LIMIT})] = ""


class SimilarThreads(Out):
    items: list[Thread]


class ReplyAuthor(Out):
    display_name: str | None
    role: Role


class Reply(Out):
    omitted_when_none = ("delivery",)

    id: DbId
    thread_id: DbId
    body: str = Field(description="may be empty when a voice note is given")
    voice: Voice | None = Field(description="an answer or reply by voice, or null")
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
            voice=Voice.of(reply),
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

    @classmethod
    def of(cls, detail: ThreadDetail, change: models.StatusChange) -> ThreadChanged:
        """The thread as its reader now sees it, and the change that was just made."""
        return cls(**dict(detail), change=StatusChange.of(change))


class Following(Out):
    following: Literal[True]


class Support(Out):
    supported: bool
    supporters: Count


class ConfirmationAnswer(Out):
    """The answer just given, and the thread's status after it."""

    confirmation: ConfirmationOut
    status: Literal[STATUSES]
    resolve_by: Time | None


class Flagged(Out):
    flagged: Literal[True]
