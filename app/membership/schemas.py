"""Joining a commune, a member's switches, and who is signed in (with their communes), in JSON.

The switches' checks (known names, booleans) are ``membership.preferences``' own; ``Switches``
describes them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext
from pydantic import BaseModel, ConfigDict, RootModel, WithJsonSchema

from app.accounts.schemas import AdminScope, Kind
from app.communes.schemas import CommuneRef
from app.membership.models import OFFICIAL, RESIDENT
from app.schema.fields import OptionalText, Text
from app.schema.out import DbId, Out

# A person's role in a commune.
Role = Literal[RESIDENT, OFFICIAL]
DisplayName = OptionalText(lazy_gettext("The display name"), max_len=60, line=True)
RequiredDisplayName = Text(lazy_gettext("The display name"), max_len=60, line=True)
# The token is looked up (404, or 410 for a replaced board) before the name is checked.
Token = Annotated[Any, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64})]
DisplayNameText = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": ["string", "null"],
            "minLength": 1,
            "maxLength": 60,
            "description": "a single line",
        }
    ),
]


class JoinRequest(BaseModel):
    token: Token
    display_name: DisplayNameText = None


class JoinedMember(Out):
    id: DbId
    display_name: str


class Joined(Out):
    member: JoinedMember
    commune: CommuneRef
    role: Role


class Switches(BaseModel):
    """Any subset of the switches; another name is refused."""

    model_config = ConfigDict(extra="forbid")
    answers: bool = False
    discussion: bool = False
    announcements: bool = False
    new_threads: bool = False


class Preferences(Out):
    answers: bool
    discussion: bool
    announcements: bool
    new_threads: bool


class MyCommune(Out):
    """A commune someone belongs to, with their role there."""

    slug: str
    name: str
    role: Role


class SignedIn(Out):
    signed_in: Literal[True]
    id: DbId
    kind: Kind
    display_name: str
    email: str | None
    second_factor: bool
    admin_scope: AdminScope | None
    communes: list[MyCommune]


class SignedOut(Out):
    signed_in: Literal[False]
    kind: None
    communes: list[MyCommune]


class Me(RootModel[SignedIn | SignedOut]):
    """``GET /me``: who is signed in, or that nobody is."""
