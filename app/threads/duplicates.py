"""Before asking: open threads like the one being typed, to follow instead of asking again."""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import Forbidden, ValidationError, require_signed_in
from app.extensions import db
from app.membership.services import role_in
from app.threads.models import OPEN_STATUSES, Thread
from app.threads.schemas import BODY_LIMIT
from app.threads.search import matching_threads
from app.threads.services import visible_threads


def similar_threads(
    commune: Commune, account: Account | None, query: object, *, limit: int = 5
) -> list[Thread]:
    """Open threads of the group like what the member is typing, best first: only threads
    the member may see, never hidden ones (not even their own)."""
    account = require_signed_in(account)
    role = role_in(account, commune)
    if role is None:
        raise Forbidden(_("You are not a member of this commune group."))
    if not isinstance(query, str) or len(query) > BODY_LIMIT:
        raise ValidationError(_("The text to compare must be at most 4000 characters."), field="q")
    if len(query.strip()) < 3:
        return []
    matches = matching_threads(query, commune_ids=[commune.id], mode="any")
    if matches is None:
        return []
    found = matches.subquery("found")
    rows = db.session.scalars(
        visible_threads(commune, account, role)
        .join(found, found.c.thread_id == Thread.id)
        .where(Thread.status.in_(OPEN_STATUSES), Thread.hidden_at.is_(None))
        .order_by(found.c.score.desc(), Thread.id.desc())
        .limit(limit)
    ).all()
    return list(rows)
