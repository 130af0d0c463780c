"""A commune in JSON, and what an admin sends to create one."""

from __future__ import annotations

from flask_babel import lazy_gettext
from pydantic import BaseModel, Field

from app.communes import models
from app.schema.fields import OptionalText, Slug, Text
from app.schema.out import Out
from app.schema.query import PageQuery

CommuneName = Text(lazy_gettext("The commune name"), max_len=120, line=True)
District = OptionalText(lazy_gettext("The district"), max_len=120, line=True)
Province = OptionalText(lazy_gettext("The province"), max_len=120, line=True)
# What an admin types to find a commune: words of its name (diacritics optional) or its code.
CommuneSearch = OptionalText(lazy_gettext("The search"), max_len=120, line=True)


class NewCommune(BaseModel):
    """``POST /communes``: the short name in URLs and the name people read."""

    slug: Slug
    name: CommuneName


class CommuneRef(Out):
    slug: str
    name: str


# The short code printed beside the QR code; described once for every commune's JSON.
JOIN_CODE = Field(
    description="the board's short join code to type (any case), e.g. 32014-K7MX; "
    "it changes when the join link is replaced",
    examples=["32014-K7MX"],
)


class Commune(Out):
    """A commune with the address its QR board encodes and the short code printed beside it."""

    slug: str
    name: str
    province_code: str | None = Field(
        description='the official code of its province in the 2025 list, e.g. "91" (An Giang)'
    )
    join_url: str
    join_code: str = JOIN_CODE

    @classmethod
    def of(cls, commune: models.Commune, join_url: str, join_code: str) -> Commune:
        return cls(
            slug=commune.slug,
            name=commune.name,
            province_code=commune.province_code,
            join_url=join_url,
            join_code=join_code,
        )


class CommuneList(Out):
    items: list[Commune]
    next_cursor: str | None


class CommuneQuery(PageQuery):
    """``?q=&cursor=&limit=``: a page of communes whose name holds every word of ``q`` (with
    or without diacritics) or whose code starts with it."""

    q: CommuneSearch = None
