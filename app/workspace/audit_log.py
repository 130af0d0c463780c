"""Reading the audit log (never changing it): who may read which communes' entries.

It sits in the workspace, above the admin and the threads it reads, so that ``app.audit``
(writing the log) stays below every concept that records an event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.accounts.models import Account
from app.admin.services import managed_communes, staff_commune
from app.audit.services import events
from app.communes.areas import is_national
from app.communes.models import Commune
from app.errors import require_signed_in
from app.extensions import db
from app.membership.services import communes_served
from app.workspace.access import official_commune, served_communes
from app.workspace.audit_entries import AuditEntry, readable_entries


def audit_log(
    account: Account | None, slug: str | None, *, before_id: int | None, limit: int
) -> tuple[Sequence[AuditEntry], int | None]:
    """Admins read the log of every commune they manage (or one); officials the log of the
    communes they serve (or one of them); nobody else, and nobody changes it."""
    account = require_signed_in(account)
    commune_ids: list[int] | None
    if account.is_admin:
        if slug is not None:
            # Their area's communes, and any commune they serve as an official.
            commune_ids = [staff_commune(account, slug).id]
        elif is_national(account):
            commune_ids = None  # every commune, and events about no commune (accounts)
        else:
            reached = [*communes_served(account), *managed_communes(account)]
            commune_ids = sorted({commune.id for commune in reached})
    elif slug is not None:
        commune_ids = [official_commune(slug, account).id]
    else:
        commune_ids = [commune.id for commune in served_communes(account)]
    rows = events(commune_ids=commune_ids, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    next_cursor = page[-1].id if len(rows) > limit else None
    return readable_entries(account, page), next_cursor


def audit_commune_names(rows: Sequence[AuditEntry]) -> dict[int, str]:
    ids = {row.commune_id for row in rows if row.commune_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Commune.id, Commune.slug).where(Commune.id.in_(ids))).all()
    return {commune_id: slug for commune_id, slug in rows}
