"""Who may use the officials' workspace: the communes the caller serves."""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import Account
from app.communes.models import Commune
from app.errors import Forbidden, require_signed_in
from app.membership.services import communes_served, member_commune, require_official


def official_commune(slug: str, account: Account | None) -> Commune:
    """A commune the caller serves as an official (401, 403 or 404 otherwise)."""
    commune, _role = member_commune(slug, require_signed_in(account))
    require_official(account, commune)
    return commune


def served_communes(account: Account | None) -> list[Commune]:
    """The communes where the caller is an official (403 when none)."""
    communes = list(communes_served(require_signed_in(account)))
    if not communes:
        raise Forbidden(_("Only officials can use the workspace."))
    return communes
