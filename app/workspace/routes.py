"""Pages of the officials' workspace (under /w/)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/w")
