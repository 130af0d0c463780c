"""An announcement in JSON, and what an official sends to post or change one.

Title and text are checked here (the services load these models after checking who may post);
``urgent``, ``pinned`` and ``expires_at`` by the services, which know the commune's time zone.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import lazy_gettext
from pydantic import BaseModel, BeforeValidator, WithJsonSchema

from app.announcements import models
from app.models_base import as_utc, utcnow
from app.push.schemas import Delivery
from app.schema.fields import Text, nullable
from app.schema.out import By, DbId, Out, Time

Title = Text(lazy_gettext("The title"), max_len=200, line=True)
Body = Text(lazy_gettext("The text"), max_len=4000)
Urgent = Annotated[
    Any,
    WithJsonSchema(
        {
            **nullable({"type": "boolean"}),
            "description": "a warning that cannot wait: sent with Urgency high, shown first; "
            "default false",
        }
    ),
]
Pinned = Annotated[Any, WithJsonSchema(nullable({"type": "boolean"}))]
Expiry = Annotated[
    Any,
    WithJsonSchema(
        {
            **nullable({"type": "string", "format": "date-time"}),
            "description": "in the future; null: never",
        }
    ),
]


class AnnouncementText(BaseModel):
    title: Title
    body: Body


class AnnouncementTextChange(BaseModel):
    """Title and text each checked when given; absent ones stay as they are."""

    title: Title = None  # type: ignore[assignment]
    body: Body = None  # type: ignore[assignment]


def _checked(value: Any) -> bool:
    """A form's checkbox or select: "1" is yes, anything else no."""
    return value == "1"


def _blank_is_none(value: Any) -> Any:
    return value or None


FormYes = Annotated[bool, BeforeValidator(_checked)]


class AnnouncementForm(BaseModel):
    """The workspace's announcement form as the services take it: only the fields the form
    sent (a change leaves the others as they are); a blank expiry is none."""

    title: Any = None
    body: Any = None
    pinned: FormYes = False
    urgent: FormYes = False
    expires_at: Annotated[Any, BeforeValidator(_blank_is_none)] = None

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class NewAnnouncement(AnnouncementText):
    urgent: Urgent = None
    pinned: Pinned = None
    expires_at: Expiry = None


class AnnouncementChange(AnnouncementTextChange):
    """Any of the fields; none of them is 422."""

    urgent: Urgent = None
    pinned: Pinned = None
    expires_at: Expiry = None


class Announcement(Out):
    omitted_when_none = ("delivery",)

    id: DbId
    title: str
    body: str
    author: By
    created_at: Time
    urgent: bool
    pinned: bool
    expires_at: Time | None
    expired: bool
    edited_at: Time | None
    delivery: Delivery | None = None  # for officials

    @classmethod
    def of(
        cls, announcement: models.Announcement, delivery: dict[str, int] | None = None
    ) -> Announcement:
        expires_at = announcement.expires_at
        return cls(
            id=announcement.id,
            title=announcement.title,
            body=announcement.body,
            author=By.of(announcement.author),
            created_at=announcement.created_at,
            urgent=announcement.urgent,
            pinned=announcement.pinned,
            expires_at=expires_at,
            expired=expires_at is not None and as_utc(expires_at) <= utcnow(),
            edited_at=announcement.edited_at,
            delivery=Delivery(**delivery) if delivery else None,
        )


class AnnouncementList(Out):
    items: list[Announcement]
