"""The admin console's JSON: communes as admins see them, invitations, officials, statistics.

The statistics are computed by ``app.admin.stats``; these models build their JSON from the
figures (``of``), so the answer is exactly the shape the document publishes.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from app.accounts.schemas import User
from app.admin.stats import DEFAULT_WEEKS, MAX_WEEKS
from app.communes import models
from app.communes.schemas import JOIN_CODE, CommuneRef, CommuneSearch, District, Province
from app.communes.services import CODE_PATTERN, board_code, join_url
from app.membership.schemas import MyCommune
from app.models_base import isoformat
from app.parsing import InvalidValue, parse_int
from app.schema.fields import OptionalText, invalid, nullable
from app.schema.out import Count, DbId, Out, Time, TimeText
from app.schema.query import Cursor, Limit, PageQuery
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


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _whole_seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


# A share from 0 to 1, to four decimals; a duration in whole seconds (a median may be a half).
Share = Annotated[
    float | None,
    BeforeValidator(_share),
    WithJsonSchema(nullable({"type": "number", "minimum": 0, "maximum": 1})),
]
Seconds = Annotated[
    int | None,
    BeforeValidator(_whole_seconds),
    WithJsonSchema(nullable({"type": "integer", "minimum": 0})),
]
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
    district: str | None = Field(
        description="the district before 1 July 2025: history, no level any more"
    )
    province: str | None
    province_code: str | None = Field(description='the official province code, e.g. "91"')
    join_url: str
    join_code: str = JOIN_CODE
    open311_public: bool

    @classmethod
    def of(cls, commune: models.Commune, base_url: str) -> CommuneAdmin:
        return cls(
            slug=commune.slug,
            name=commune.name,
            code=commune.code,
            district=commune.district,
            province=commune.province,
            province_code=commune.province_code,
            join_url=join_url(base_url, commune),
            join_code=board_code(commune),
            open311_public=commune.open311_public,
        )


class ImportResult(Out):
    created: Count
    updated: Count
    unchanged: Count


class JoinUrl(Out):
    join_url: str
    join_code: str = JOIN_CODE


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


# Official codes typed to pick communes: "31027 31030" (up to 200 of them, 16 characters each).
CommuneCodes = OptionalText(lazy_gettext("The codes"), max_len=4000)


class InvitePickerQuery(BaseModel):
    """The invitation form's commune search (``find``: name without diacritics or code, in
    ``find_province``, from ``after``: the next page), and codes typed to pick communes."""

    find: CommuneSearch = None
    find_province: Province = None
    after: Cursor = None
    codes: CommuneCodes = None


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
    next_cursor: str | None


class Acceptance(BaseModel):
    display_name: PersonName = None
    password: NewPassword = None


class Accepted(Out):
    user: User
    communes: list[MyCommune]


# --- statistics -------------------------------------------------------------------------------


def _weeks(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_WEEKS
    message = _("weeks must be a whole number from 1 to %(n)d.", n=MAX_WEEKS)
    try:
        return parse_int(value, "weeks", minimum=1, maximum=MAX_WEEKS, message=message)
    except InvalidValue as error:
        raise invalid(error.message) from None


# ``?weeks=``: how many weeks the figures cover, the current one included (1 to 52, default 12).
Weeks = Annotated[
    int,
    BeforeValidator(_weeks),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_WEEKS}),
]


class WeeksQuery(BaseModel):
    """A commune's statistics: the window."""

    weeks: Weeks = DEFAULT_WEEKS


class AreaQuery(BaseModel):
    """``?province=&district=``: the communes of one province or district (trimmed; empty is
    any)."""

    province: Province = None
    district: District = None


class CommuneSearchQuery(AreaQuery):
    """The console's list of communes: ``?q=`` (name without diacritics, or code), of one
    province or district, one page (``?cursor=&limit=``, as the API's lists)."""

    q: CommuneSearch = None
    cursor: Cursor = None
    limit: Limit = None

    size = PageQuery.size


class AdminStatsQuery(CommuneSearchQuery):
    """Every commune's statistics: of one province or district, and the window; the rows of
    the communes a page at a time (``?cursor=&limit=``), found by ``?q=`` as in the console."""

    weeks: Weeks = DEFAULT_WEEKS


# Each is built from ``app.admin.stats``' figures (``of``), so the JSON is exactly the model.


class ThreadFigures(Out):
    opened: list[Count]
    resolved: list[Count]
    opened_total: Count
    resolved_total: Count

    @classmethod
    def of(cls, figures: Any) -> ThreadFigures:
        return cls(
            opened=figures.opened,
            resolved=figures.resolved,
            opened_total=sum(figures.opened),
            resolved_total=sum(figures.resolved),
        )


class FirstAnswer(Out):
    answered: Count
    waiting: Count
    median_seconds: Seconds
    p90_seconds: Seconds
    within_24h_share: Share

    @classmethod
    def of(cls, figures: Any) -> FirstAnswer:
        return cls(
            answered=figures.answered,
            waiting=figures.waiting,
            median_seconds=figures.median_seconds,
            p90_seconds=figures.p90_seconds,
            within_24h_share=figures.within_24h_share,
        )


class PushFigures(Out):
    announcements: Count
    subscriptions: Count
    delivered: Count
    reach: Share

    @classmethod
    def of(cls, figures: Any) -> PushFigures:
        return cls(
            announcements=figures.announcements,
            subscriptions=figures.push_subscriptions,
            delivered=figures.push_delivered,
            reach=figures.push_reach,
        )


class Figures(Out):
    members: Count
    push_members: Count
    officials: Count
    threads: ThreadFigures
    first_answer: FirstAnswer
    push: PushFigures

    @classmethod
    def of(cls, figures: Any) -> Figures:
        """From ``app.admin.stats.Figures``."""
        return cls(
            members=figures.members,
            push_members=figures.push_members,
            officials=figures.officials,
            threads=ThreadFigures.of(figures),
            first_answer=FirstAnswer.of(figures),
            push=PushFigures.of(figures),
        )


class Window(Out):
    weeks: list[Week]
    since: TimeText
    until: TimeText

    @staticmethod
    def fields_of(win: Any) -> dict[str, Any]:
        """The window's fields, from ``app.admin.stats.Window``."""
        return {
            "weeks": list(win.labels),
            "since": isoformat(win.since),
            "until": isoformat(win.until),
        }


class CommuneStats(Window):
    commune: CommuneAdmin
    figures: Figures


class PublicResponse(Out):
    """Response figures only: shares and times, never a count of people; all null when
    there are too few answers to publish."""

    enough_data: bool
    median_seconds: Seconds
    p90_seconds: Seconds
    within_24h_share: Share

    @classmethod
    def of(cls, figures: Any) -> PublicResponse:
        if not figures.enough_for_public:
            return cls(
                enough_data=False, median_seconds=None, p90_seconds=None, within_24h_share=None
            )
        return cls(
            enough_data=True,
            median_seconds=figures.median_seconds,
            p90_seconds=figures.p90_seconds,
            within_24h_share=figures.within_24h_share,
        )


class PublicStats(Window):
    commune: CommuneRef
    response: PublicResponse


class ProvinceFigures(Out):
    province: str | None
    province_code: str | None = Field(
        description="the official code (2025 list); null for a name the list does not have"
    )
    figures: Figures


class CommuneFigures(Out):
    commune: CommuneAdmin
    figures: Figures


class DistrictFigures(Out):
    """A district's roll-up of before 1 July 2025: no answer has one any more."""

    province: str | None
    district: str | None
    figures: Figures


class AreaFilter(Out):
    province: str | None
    district: str | None


class AdminStats(Window):
    total: Figures
    provinces: list[ProvinceFigures]
    # Clients written before the 2025 reform read this list: it stays, always empty.
    districts: list[DistrictFigures] = Field(
        default_factory=list,
        description="always empty: Vietnam has had no districts since 1 July 2025",
    )
    communes: list[CommuneFigures] = Field(
        description="one page of the communes (found by q), in the order of their names"
    )
    communes_found: Count = Field(description="how many communes q finds: the rows' pages")
    next_cursor: str | None = Field(description="the next page of communes; null: the last")
    filter: AreaFilter = Field(description="the province and district asked for")

    @classmethod
    def of(cls, page: Any, area: AreaFilter, base_url: str) -> AdminStats:
        """From ``app.admin.services.StatsPage``: the roll-up and one page of communes."""
        report = page.report
        return cls(
            **Window.fields_of(report.window),
            total=Figures.of(report.total),
            provinces=[
                ProvinceFigures(province=name, province_code=code, figures=Figures.of(figures))
                for code, name, figures in report.provinces
            ],
            communes=[
                CommuneFigures(
                    commune=CommuneAdmin.of(commune, base_url), figures=Figures.of(figures)
                )
                for commune, figures in page.rows
            ],
            communes_found=page.found,
            next_cursor=str(page.next_cursor) if page.next_cursor is not None else None,
            filter=area,
        )
