"""Where a problem is: an optional position and/or address, given only when the resident chose."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.errors import ValidationError
from app.parsing import parse_float
from app.schema.load import Check
from app.threads.schemas import Address

ADDRESS_FIELD = Check(Address, "address")


def _coordinate(value: Any, name: str, bound: float) -> float | None:
    if value is None or value == "":
        return None
    message = _("The location is not valid.")
    number = parse_float(value, name, minimum=-bound, maximum=bound, message=message)
    return round(number, 6)  # ~10 cm: more would only be noise


def clean_location(data: dict[str, Any]) -> tuple[float | None, float | None, str | None]:
    """``latitude``/``longitude`` (both or neither) and ``address`` from a request."""
    latitude = _coordinate(data.get("latitude"), "latitude", 90)
    longitude = _coordinate(data.get("longitude"), "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both latitude and longitude, or neither."), field="latitude")
    return latitude, longitude, ADDRESS_FIELD.clean(data.get("address"))
