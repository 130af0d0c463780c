"""The admin console's JSON: communes as admins see them, invitations, officials, statistics.

The statistics are computed by ``app.admin.stats``; these models are their published shape
(every answer is passed through them, so it cannot drift from the document).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from app.accounts.schemas import User
from app.communes import models
from app.communes.schemas import CommuneRef
from app.communes.services import CODE_PATTERN, join_url
from app.membership.schemas import MyCommune
from app.schema.fields import nullable
from app.schema.out import Count, DbId, Out, Time, TimeText
from app.schema.text import SLUG_PATTERN

# Checked by the communes' and admin services (after who may do it); described here.
Place = Annotated[
    Any, WithJsonSchema(nullable({"type": "string", "minLength": 1, "maxLength": 120}))
]
Name = Annotated[
    Any,
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 120, "description": "a single line"}
    ),
]
Code = Annotated[Any, WithJsonSchema(nullable({"type": "string", "pattern": CODE_PATTERN.pattern}))]
Flag = Annotated[Any, WithJsonSchema({"type": "boolean"})]
PersonName = Annotated[
    Any,
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 60, "description": "a single line"}
    ),
]
Email = Annotated[Any, WithJsonSchema({"type": "string", "maxLength": 254})]
Slugs = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "string", "pattern": SLUG_PATTERN.pattern}},
                {"type": "string", "pattern": SLUG_PATTERN.pattern},
            ],
            "description": "1 to 200 slugs",
        }
    ),
]
NewPassword = Annotated[Any, WithJsonSchema({"type": "string", "minLength": 10, "maxLength": 1024})]
Share = Annotated[
    float | None, WithJsonSchema(nullable({"type": "number", "minimum": 0, "maximum": 1}))
]
Seconds = Annotated[int | None, WithJsonSchema(nullable({"type": "integer", "minimum": 0}))]
Week = Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"})]


class CommuneChange(BaseModel):
    """``PATCH /communes/{slug}``: any of these; null or empty clears district, province and
    code."""

    name: Name = None
    district: Place = None
    province: Place = None
    code: Code = None
    open311_public: Flag = None


class CommuneAdmin(Out):
    slug: str
    name: str
    code: str | None
    district: str | None
    province: str | None
    join_url: str
    open311_public: bool

    @classmethod
    def of(cls, commune: models.Commune, base_url: str) -> CommuneAdmin:
        return cls(
            slug=commune.slug,
            name=commune.name,
            code=commune.code,
            district=commune.district,
            province=commune.province,
            join_url=join_url(base_url, commune),
            open311_public=commune.open311_public,
        )


class ImportResult(Out):
    created: Count
    updated: Count
    unchanged: Count


class JoinUrl(Out):
    join_url: str


class Official(Out):
    id: DbId
    display_name: str
    email: str | None


class OfficialList(Out):
    items: list[Official]


class RevokedCommunes(Out):
    communes: list[str]


class InvitationRequest(BaseModel):
    email: Email
    display_name: PersonName | None = None
    communes: Slugs


class Inviter(Out):
    display_name: str


class Invitation(Out):
    id: DbId
    email: str
    display_name: str | None
    communes: list[str]
    expires_at: Time
    created_at: Time
    invited_by: Inviter | None

    @classmethod
    def of(cls, invitation: Any) -> Invitation:
        inviter = invitation.invited_by
        return cls(
            id=invitation.id,
            email=invitation.email,
            display_name=invitation.display_name,
            communes=[commune.slug for commune in invitation.communes],
            expires_at=invitation.expires_at,
            created_at=invitation.created_at,
            invited_by=Inviter(display_name=inviter.display_name) if inviter else None,
        )


class IssuedInvitation(Invitation):
    invite_url: str


class InvitationList(Out):
    items: list[Invitation]


class Acceptance(BaseModel):
    display_name: PersonName = None
    password: NewPassword = None


class Accepted(Out):
    user: User
    communes: list[MyCommune]


# --- statistics -------------------------------------------------------------------------------


class ThreadFigures(Out):
    opened: list[Count]
    resolved: list[Count]
    opened_total: Count
    resolved_total: Count


class FirstAnswer(Out):
    answered: Count
    waiting: Count
    median_seconds: Seconds
    p90_seconds: Seconds
    within_24h_share: Share


class PushFigures(Out):
    announcements: Count
    subscriptions: Count
    delivered: Count
    reach: Share


class Figures(Out):
    members: Count
    push_members: Count
    officials: Count
    threads: ThreadFigures
    first_answer: FirstAnswer
    push: PushFigures


class Window(Out):
    weeks: list[Week]
    since: TimeText
    until: TimeText


class CommuneStats(Window):
    commune: CommuneAdmin
    figures: Figures


class PublicResponse(Out):
    enough_data: bool
    median_seconds: Seconds
    p90_seconds: Seconds
    within_24h_share: Share


class PublicStats(Window):
    commune: CommuneRef
    response: PublicResponse


class ProvinceFigures(Out):
    province: str | None
    figures: Figures


class DistrictFigures(Out):
    province: str | None
    district: str | None
    figures: Figures


class CommuneFigures(Out):
    commune: CommuneAdmin
    figures: Figures


class AreaFilter(Out):
    province: str | None
    district: str | None


class AdminStats(Window):
    total: Figures
    provinces: list[ProvinceFigures]
    districts: list[DistrictFigures]
    communes: list[CommuneFigures]
    filter: AreaFilter = Field(description="the province and district asked for")
