"""Joining a commune and a member's notification switches, in JSON.

The switches' checks (known names, booleans) are ``membership.preferences``' own; ``Switches``
describes them.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import lazy_gettext
from pydantic import BaseModel, ConfigDict, WithJsonSchema

from app.communes.schemas import CommuneRef, Role
from app.schema.fields import OptionalText, Text
from app.schema.out import DbId, Out

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
