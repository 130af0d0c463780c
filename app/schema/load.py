"""Validate a request's data with a model: the first refusal becomes the app's 422."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel
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
