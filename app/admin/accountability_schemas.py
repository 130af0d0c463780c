"""The public accountability figures in JSON (``/communes/{slug}/accountability``,
``/provinces/{code}/accountability``): every rate comes with the counts it is computed from.

Built from ``app.admin.accountability``'s figures (``of``), so the answer is exactly the shape
the OpenAPI document publishes.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from app.admin import accountability
from app.admin.schemas import Share
from app.models_base import isoformat
from app.parsing import InvalidValue, parse_int
from app.schema.fields import invalid, nullable
from app.schema.out import Count, Out, TimeText


def _days(value: Any) -> int:
    if value is None or value == "":
        return accountability.DEFAULT_DAYS
    message = _("days must be a whole number from 1 to %(n)d.", n=accountability.MAX_DAYS)
    try:
        return parse_int(value, "days", minimum=1, maximum=accountability.MAX_DAYS, message=message)
    except InvalidValue as error:
        raise invalid(error.message) from None


Days = Annotated[
    int,
    BeforeValidator(_days),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": accountability.MAX_DAYS}),
]


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# Working hours, to two decimals (a median may fall between two answers).
Hours = Annotated[
    float | None,
    BeforeValidator(_hours),
    WithJsonSchema(nullable({"type": "number", "minimum": 0})),
]


class AccountabilityQuery(BaseModel):
    """``?days=``: the window, the last 1 to 365 days up to now (30 by default)."""

    days: Days = accountability.DEFAULT_DAYS


class CountOf(Out):
    """A rate's ground: ``count`` of ``of`` (the rate is null when ``of`` is 0)."""

    count: Count
    of: Count

    @classmethod
    def of_ratio(cls, ratio: accountability.Ratio) -> CountOf:
        return cls(count=ratio.count, of=ratio.of)


class AccountabilityFigures(Out):
    """One commune's figures over the window (docs/accountability.md says how each is
    computed). Every thread received counts, private ones too; none of their words is here."""

    received: Count = Field(description="questions and reports received in the window")
    urgent: Count = Field(description="of them, marked urgent")
    answered: Count = Field(description="of them, with a first official answer")
    declined: Count = Field(
        description="of them, declined now (always with a reason), duplicates apart"
    )
    duplicates: Count = Field(
        description="of them, closed as duplicates of another thread, followed up there"
    )
    answered_on_time_rate: Share
    answered_on_time: CountOf = Field(
        description="first answer by respond_by, of those answered or past respond_by"
    )
    resolved_on_time_rate: Share
    resolved_on_time: CountOf = Field(
        description="resolved or declined by resolve_by, of those closed or past resolve_by"
    )
    median_first_response_hours: Hours = Field(
        description="median working hours from asking to the first official answer"
    )
    overdue_now: Count = Field(
        description="open threads of the commune (however old) with a deadline passed unmet"
    )
    confirmed_fixed_rate: Share
    confirmed_fixed: CountOf = Field(
        description="authors' answers 'it is fixed', of their answers to 'has it been fixed?'"
    )
    satisfaction_rate: Share
    satisfaction: CountOf = Field(description="ratings of 4 or 5, of the ratings given")
    rated_share: Share
    rated: CountOf = Field(description="resolutions rated by the author, of the resolutions")

    @classmethod
    def of(cls, figures: accountability.Figures) -> AccountabilityFigures:
        return cls(
            received=figures.received,
            urgent=figures.urgent,
            answered=figures.answered,
            declined=figures.declined,
            duplicates=figures.duplicates,
            answered_on_time_rate=figures.answered_on_time.rate,
            answered_on_time=CountOf.of_ratio(figures.answered_on_time),
            resolved_on_time_rate=figures.resolved_on_time.rate,
            resolved_on_time=CountOf.of_ratio(figures.resolved_on_time),
            median_first_response_hours=figures.median_first_response_hours,
            overdue_now=figures.overdue_now,
            confirmed_fixed_rate=figures.confirmed_fixed.rate,
            confirmed_fixed=CountOf.of_ratio(figures.confirmed_fixed),
            satisfaction_rate=figures.satisfied.rate,
            satisfaction=CountOf.of_ratio(figures.satisfied),
            rated_share=figures.rated.rate,
            rated=CountOf.of_ratio(figures.rated),
        )


class AccountabilityWindow(Out):
    days: int = Field(description="the window: the last `days` days up to `until` (now)")
    since: TimeText
    until: TimeText

    @staticmethod
    def fields_of(win: accountability.Window) -> dict[str, Any]:
        return {"days": win.days, "since": isoformat(win.since), "until": isoformat(win.until)}


class AccountableCommune(Out):
    slug: str
    name: str
    province_code: str | None


class CommuneAccountability(AccountabilityWindow):
    commune: AccountableCommune
    figures: AccountabilityFigures


class RankedCommune(Out):
    rank: int | None = Field(
        description="1 is best; communes with equal shares share a rank; null when no answer "
        "was due yet"
    )
    commune: AccountableCommune
    figures: AccountabilityFigures


class ProvinceRef(Out):
    code: str
    name: str


RANKING = (
    "By answered_on_time_rate, then resolved_on_time_rate (none due yet counts below any "
    "share), highest first; equal shares share a rank (1, 2, 2, 4); within a tie, more "
    "received first, then by name; communes with no answer due yet have rank null, last."
)


class ProvinceAccountability(AccountabilityWindow):
    province: ProvinceRef
    ranking: str = Field(description="how the communes are ordered", examples=[RANKING])
    communes: list[RankedCommune]

    @classmethod
    def of(cls, table: accountability.ProvinceTable) -> ProvinceAccountability:
        return cls(
            **AccountabilityWindow.fields_of(table.window),
            province=ProvinceRef(code=table.code, name=table.name),
            ranking=RANKING,
            communes=[
                RankedCommune(
                    rank=row.rank,
                    commune=AccountableCommune.model_validate(row.commune),
                    figures=AccountabilityFigures.of(row.figures),
                )
                for row in table.communes
            ],
        )
