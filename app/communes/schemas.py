"""A commune in JSON, and what an admin sends to create one."""

from __future__ import annotations

from flask_babel import lazy_gettext
from pydantic import BaseModel

from app.communes import models
from app.schema.fields import OptionalText, Slug, Text
from app.schema.out import Out

CommuneName = Text(lazy_gettext("The commune name"), max_len=120, line=True)
District = OptionalText(lazy_gettext("The district"), max_len=120, line=True)
Province = OptionalText(lazy_gettext("The province"), max_len=120, line=True)


class NewCommune(BaseModel):
    """``POST /communes``: the short name in URLs and the name people read."""

    slug: Slug
    name: CommuneName


class CommuneRef(Out):
    slug: str
    name: str


class Commune(Out):
    """A commune with the address its QR board encodes."""

    slug: str
    name: str
    join_url: str

    @classmethod
    def of(cls, commune: models.Commune, join_url: str) -> Commune:
        return cls(slug=commune.slug, name=commune.name, join_url=join_url)


class CommuneList(Out):
    items: list[Commune]
