"""Open311 API clients (their keys) in JSON, as admins issue and list them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schema.fields import OptionalText, Text
from app.schema.out import DbId, Out, Time

ClientName = Text("name", max_len=120, line=True)
# A service request's fields, named as GeoReport v2 names them.
Description = Text("description", max_len=4000)
AddressString = OptionalText("address_string", max_len=250, line=True)


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
