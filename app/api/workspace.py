"""``/api/v1`` endpoints of the officials' workspace."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__)
