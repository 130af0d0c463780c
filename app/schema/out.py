"""The base of response models: JSON built from ORM objects, and its schema for OpenAPI.

A response model is exactly its keys (``additionalProperties: false``), every key present
(null where there is nothing) except those marked ``omitted_when_none``, which are left out of
the JSON and out of ``required``. Times are ISO 8601 in UTC with a ``Z``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema, model_serializer

from app.models_base import isoformat
from app.parsing import MAX_ID

Time = Annotated[
    datetime,
    PlainSerializer(isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
DbId = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID})]
Count = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 0})]


def _drop_omitted_from_required(schema: dict[str, Any], model: type[Out]) -> None:
    omitted = set(model.omitted_when_none)
    if omitted and "required" in schema:
        schema["required"] = [name for name in schema["required"] if name not in omitted]


class Out(BaseModel):
    """A JSON answer's shape."""

    model_config = ConfigDict(
        extra="forbid",
        from_attributes=True,
        json_schema_serialization_defaults_required=True,
        json_schema_extra=_drop_omitted_from_required,
    )
    omitted_when_none: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit(self, handler: Any):  # no return type: the schema stays the model's
        data = handler(self)
        for name in self.omitted_when_none:
            if data.get(name) is None:
                data.pop(name, None)
        return data

    def dump(self) -> dict[str, Any]:
        """The JSON-ready dict (times as text)."""
        return self.model_dump(mode="json")


# A time some service already wrote as ISO 8601 text.
TimeText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class By(Out):
    """Who wrote or did something: null for a former member (the account was deleted)."""

    display_name: str | None

    @classmethod
    def of(cls, account: Any) -> By:
        return cls(display_name=account.display_name if account is not None else None)
