"""Open311: API clients (their keys) in JSON as admins issue and list them, and what
GeoReport v2 clients send (a service request, the filters of ``GET requests``).

GeoReport v2 names its own fields and answers a refusal with a 400 in its own shape, in
English: ``load`` turns the first refusal of a model into that error.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticError

from app.parsing import MAX_ID, InvalidValue, parse_datetime, parse_float, parse_int
from app.schema.fields import INVALID, OptionalText, Text, invalid
from app.schema.out import DbId, Out, Time

ClientName = Text("name", max_len=120, line=True)
# A service request's fields, named as GeoReport v2 names them.
Description = Text("description", max_len=4000)
AddressString = OptionalText("address_string", max_len=250, line=True)

# Anyone may read the lists: pages stay small (a larger page_size is served as the largest).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 200
MAX_PAGE = 999_999

M = TypeVar("M", bound=BaseModel)


class Open311Error(Exception):
    """An error in the specification's shape: HTTP status and a list of {code, description}."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def load(model: type[M], data: dict[str, Any]) -> M:
    """``data`` (a form or query string) as ``model``; the first refusal is a 400."""
    try:
        return model.model_validate(data)
    except PydanticError as error:
        detail = error.errors(include_url=False)[0]
        if detail["type"] == INVALID:
            raise Open311Error(400, detail["ctx"]["message"]) from None
        field = detail["loc"][0] if detail["loc"] else "the request"
        raise Open311Error(400, f"{field} is not valid") from None


# --- fields ----------------------------------------------------------------------------------


def _page_number(name: str) -> Any:
    """``page`` or ``page_size``: ASCII digits from 1 to 999999; empty is the default."""
    message = f"{name} must be a whole number from 1 to {MAX_PAGE}"

    def clean(value: Any) -> int | None:
        if value in (None, ""):
            return None
        try:
            return parse_int(value, name, minimum=1, maximum=MAX_PAGE, message=message)
        except InvalidValue:
            raise invalid(message) from None

    return Annotated[int | None, BeforeValidator(clean)]


def _ids(value: Any) -> list[int] | None:
    """``service_request_id``: ids separated by commas (blanks around them ignored)."""
    if value in (None, ""):
        return None
    message = "service_request_id must be a comma-separated list of ids"
    parts = [part.strip() for part in str(value).split(",") if part.strip()]
    if not parts:
        raise invalid(message)
    try:
        ids = [parse_int(part, "service_request_id", minimum=0, maximum=MAX_ID) for part in parts]
    except InvalidValue:
        raise invalid(message) from None
    if len(ids) > MAX_PAGE_SIZE:
        raise invalid(f"service_request_id may list at most {MAX_PAGE_SIZE} ids")
    return ids


def _words(value: Any) -> list[str]:
    return [word for word in str(value or "").split(",") if word]


def _statuses(value: Any) -> list[str]:
    statuses = _words(value)
    if any(status not in ("open", "closed") for status in statuses):
        raise invalid("status must be open or closed")
    return statuses


def _date(name: str) -> Any:
    """An ISO 8601 date and time (years 1900 to 2999), read as UTC without an offset."""

    def clean(value: Any) -> Any:
        if value in (None, ""):
            return None
        try:
            return parse_datetime(value, name)
        except InvalidValue:
            raise invalid(f"{name} must be an ISO 8601 date and time") from None

    return Annotated[Any, BeforeValidator(clean)]


def _coordinate(name: str, bound: float) -> Any:
    """A decimal latitude or longitude in plain ASCII notation; empty is none."""

    def clean(value: Any) -> float | None:
        if value in (None, ""):
            return None
        try:
            number = parse_float(value, name, minimum=-1e300, maximum=1e300)
        except InvalidValue:
            raise invalid(f"{name} must be a decimal number") from None
        if not -bound <= number <= bound:
            raise invalid(f"{name} is out of range")
        return number

    return Annotated[float | None, BeforeValidator(clean)]


# --- what clients send ---------------------------------------------------------------------------


class RequestIds(BaseModel):
    """``GET requests?service_request_id=``: with ids, every other parameter is ignored."""

    service_request_id: Annotated[list[int] | None, BeforeValidator(_ids)] = None


class RequestFilters(BaseModel):
    """``GET requests``: the specification's filters (checked in this order) and the page
    extension; the range of dates is checked by the service, which knows the time."""

    service_code: Annotated[list[str], BeforeValidator(_words)] = []
    status: Annotated[list[str], BeforeValidator(_statuses)] = []
    end_date: _date("end_date") = None
    start_date: _date("start_date") = None
    page: _page_number("page") = None
    page_size: _page_number("page_size") = None

    def page_and_size(self) -> tuple[int, int]:
        """The page (from 1) and its size, at most ``MAX_PAGE_SIZE``."""
        return self.page or 1, min(self.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


class ServiceRequest(BaseModel):
    """``POST requests``: where (a point, an address, or both) and what; the service code,
    key and jurisdiction are read before, as each has its own status."""

    lat: _coordinate("lat", 90) = None
    long: _coordinate("long", 180) = None
    address_string: AddressString = None
    # Checked when absent too, for the text's own "is required".
    description: Description = Field(default=None, validate_default=True)

    @field_validator("long")
    @classmethod
    def _both_or_neither(cls, long: float | None, info: ValidationInfo) -> float | None:
        # Checked here, after lat and before the texts, as the specification's errors go.
        lat = info.data.get("lat")
        if "lat" in info.data and (lat is None) != (long is None):
            raise invalid("lat and long must be given together")
        return long

    @model_validator(mode="after")
    def _somewhere(self) -> ServiceRequest:
        if self.lat is None and not self.address_string:
            raise invalid("a location is required: lat and long, or address_string")
        return self


# --- API clients, as admins issue them -----------------------------------------------------------


class NewApiClient(BaseModel):
    name: ClientName


class ApiClient(Out):
    id: DbId
    name: str
    created_at: Time
    revoked_at: Time | None


class IssuedApiClient(ApiClient):
    api_key: str = Field(description="shown this once")


class ApiClientList(Out):
    items: list[ApiClient]
