"""Validate a request's data with a model: the first refusal becomes the app's 422."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticError

from app.errors import ValidationError
from app.schema.fields import INVALID, Label

M = TypeVar("M", bound=BaseModel)


def load(model: type[M], data: object) -> M:
    """``data`` (a JSON object or a form) as ``model``; unknown keys are ignored unless the
    model forbids them. A refusal names its field, as ``{"error": {..., "field"}}`` shows."""
    if not isinstance(data, Mapping):
        raise ValidationError(_("The request body must be a JSON object."))
    try:
        return model.model_validate(dict(data))
    except PydanticError as error:
        raise _first_refusal(model, error) from None


def _first_refusal(model: type[BaseModel], error: PydanticError) -> ValidationError:
    """Fields are checked in the order the model declares them, so the first refusal is the
    one ``clean_fields`` reported before."""
    detail = error.errors(include_url=False)[0]
    field = str(detail["loc"][0]) if detail["loc"] else None
    if detail["type"] == INVALID:
        return ValidationError(detail["ctx"]["message"], field=field)
    if detail["type"] == "missing" and field in model.model_fields:
        labels = [m for m in model.model_fields[field].metadata if isinstance(m, Label)]
        if labels:
            return ValidationError(_("%(field)s is required.", field=labels[0].text), field=field)
    if detail["type"] == "extra_forbidden":
        return ValidationError(_unknown_field_message(model, field), field=field)
    return ValidationError(field=field)


def _unknown_field_message(model: type[BaseModel], field: str | None) -> Any:
    """A model may say how it refuses names it does not know."""
    unknown = getattr(model, "unknown_field_message", None)
    return unknown(field) if unknown else None


class Check:
    """One field a service checks on its own (an argument, a form cell), with the rules and
    messages of its schema type: ``Check(CommuneName, "name").clean(value)``."""

    def __init__(self, kind: Any, field: str) -> None:
        self.kind = kind
        self.name = field

    @cached_property
    def _adapter(self) -> TypeAdapter[Any]:
        # Built on first use: nothing happens at import time.
        return TypeAdapter(self.kind)

    def clean(self, value: object) -> Any:
        """The cleaned value, or the app's 422 naming the field."""
        try:
            return self._adapter.validate_python(value)
        except PydanticError as error:
            detail = error.errors(include_url=False)[0]
            if detail["type"] == INVALID:
                raise ValidationError(detail["ctx"]["message"], field=self.name) from None
            raise ValidationError(field=self.name) from None
