"""``/accounts/{id}/…``: what an admin may do to a staff account itself."""

from __future__ import annotations

from flask import Blueprint

from app.admin.services import reset_second_factor as reset
from app.api.helpers import require_account
from app.api.spec import documented
from app.extensions import db

bp = Blueprint("accounts", __name__)


@bp.delete("/accounts/<id:account_id>/second-factor")
@documented(
    "Turn off a staff member's second factor (admin); their sessions end", {204: None}, 403, 409
)
def reset_second_factor(account_id: int) -> tuple[str, int]:
    """Turn off a staff member's second factor (a lost phone); their sessions end."""
    reset(require_account(), account_id)
    db.session.commit()
    return "", 204
