"""Days off in JSON: what adding one takes, and a province's list."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from app.schema.fields import Text, invalid
from app.schema.out import Out, Time


def _clean_day(value: Any) -> date:
    """An ISO date (``2026-12-14``) from 2000 to 2100: a day off is a real day."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
        if day is not None and 2000 <= day.year <= 2100:
            return day
    raise invalid(_("The day must be a real date written YYYY-MM-DD (2000 to 2100)."))


Day = Annotated[
    date,
    BeforeValidator(_clean_day),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]
DayOffName = Text(lazy_gettext("The name of the day off"), max_len=120, line=True)


class DayOffRequest(BaseModel):
    """``POST /provinces/{code}/days-off``."""

    day: Day
    name: DayOffName


class DayOff(Out):
    day: Annotated[date, WithJsonSchema({"type": "string", "format": "date"})]
    name: str
    created_at: Time


class DaysOff(Out):
    province_code: str = Field(description="two digits, the 2025 list")
    province: str
    items: list[DayOff]
