"""The optional second factor for officials and admins: setup, checking, turning off.

An admin's reset for someone who lost their phone is in app/admin/services.py (it asks
which communes the admin manages).

Nothing here commits: the route or CLI command that calls it does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts import totp
from app.accounts.models import Account, RecoveryCode
from app.accounts.passwords import verify_password
from app.accounts.sessions import end_sessions
from app.audit.services import record
from app.errors import Conflict, Forbidden, NotAuthenticated
from app.extensions import db
from app.models_base import utcnow

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are printed or written down and typed back by hand.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # ~49 bits each; guessing is bounded by the sign-in rate limit


class SecondFactorRequired(NotAuthenticated):
    code = "totp_required"
    default_message = lazy_gettext("Enter the 6-digit code from your authenticator app.")


class SecondFactorInvalid(NotAuthenticated):
    code = "totp_invalid"
    default_message = lazy_gettext("That code is not correct or has already been used.")


@dataclass(frozen=True)
class Setup:
    secret: str
    uri: str


def _require_staff(account: Account) -> None:
    if not account.is_staff:
        raise Forbidden(_("Only officials and admins can use a second factor."))


def begin_setup(account: Account, password: object, *, issuer: str) -> Setup:
    """Give the account a new, not yet trusted secret to put in an authenticator app.

    The password is asked again: a borrowed or stolen session alone must not be able to tie
    the account to someone else's phone (which would lock its owner out).
    """
    _require_staff(account)
    if account.has_second_factor:
        raise Conflict(_("The second factor is already on. Turn it off first to change phones."))
    if not isinstance(password, str) or not verify_password(account.password_hash, password):
        raise NotAuthenticated(_("The current password is incorrect."))
    account.totp_secret = totp.new_secret()
    account.totp_last_step = None
    return pending_setup(account, issuer=issuer)


def pending_setup(account: Account, *, issuer: str) -> Setup:
    """The secret being set up, and the address an authenticator app reads it from."""
    assert account.totp_secret is not None
    uri = totp.provisioning_uri(account.totp_secret, account.email or "", issuer)
    return Setup(account.totp_secret, uri)


def confirm_setup(account: Account, code: object) -> list[str]:
    """Trust the pending secret once a code from it matches; return fresh recovery codes.

    Every other session of the account ends: they were opened without the second factor.
    """
    _require_staff(account)
    if account.has_second_factor:
        raise Conflict(_("The second factor is already on."))
    if account.totp_secret is None:
        raise Conflict(_("Start the setup first: there is no code to confirm yet."))
    step = totp.matching_step(account.totp_secret, code, after_step=None)
    if step is None:
        raise SecondFactorInvalid(
            _("That code does not match. Check that your phone's clock is right and try again.")
        )
    account.totp_enabled_at = utcnow()
    account.totp_last_step = step
    end_sessions(account)
    record(account, "account.second_factor_on", target_type="account", target_id=account.id)
    return _new_recovery_codes(account)


def check(account: Account, code: object) -> None:
    """Pass if the code (or an unused recovery code) is right; used codes never work again."""
    if not account.has_second_factor or account.totp_secret is None:
        return
    if code is None or code == "":
        raise SecondFactorRequired()
    step = totp.matching_step(account.totp_secret, code, after_step=account.totp_last_step)
    if step is not None and _claim_step(account, step):
        return
    if _use_recovery_code(account, code):
        return
    raise SecondFactorInvalid()


def disable(account: Account, password: object, code: object) -> None:
    """Turn the second factor off; the password and a current code are both needed."""
    _require_staff(account)
    if not account.has_second_factor:
        raise Conflict(_("The second factor is not on."))
    if not isinstance(password, str) or not verify_password(account.password_hash, password):
        raise NotAuthenticated(_("The current password is incorrect."))
    check(account, code)
    clear(account)
    record(account, "account.second_factor_off", target_type="account", target_id=account.id)


def recovery_codes_left(account: Account) -> int:
    return len(_unused_codes(account))


def clear(account: Account) -> None:
    """Forget the secret and the recovery codes: sign-in is back to the password alone."""
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _normalize_recovery(code: object) -> str | None:
    if not isinstance(code, str) or len(code) > 40:
        return None
    cleaned = "".join(ch for ch in code.lower() if ch not in " -")
    if len(cleaned) != _RECOVERY_LENGTH or any(ch not in _RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def _new_recovery_codes(account: Account) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    shown = []
    for _index in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(_RECOVERY_LENGTH))
        db.session.add(RecoveryCode(account_id=account.id, code_hash=_hash(raw)))
        shown.append(f"{raw[:5]}-{raw[5:]}")
    return shown


def _unused_codes(account: Account) -> list[RecoveryCode]:
    query = select(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
    )
    return list(db.session.scalars(query))


def _use_recovery_code(account: Account, code: object) -> bool:
    cleaned = _normalize_recovery(code)
    if cleaned is None:
        return False
    wanted = _hash(cleaned)
    for stored in _unused_codes(account):
        if hmac.compare_digest(stored.code_hash, wanted):
            # Conditional update: of two requests racing with one code, only one wins.
            claimed = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == stored.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                return False
            record(
                account, "account.recovery_code_used", target_type="account", target_id=account.id
            )
            return True
    return False


def _claim_step(account: Account, step: int) -> bool:
    """Record ``step`` as used unless a racing request already used it or a later one."""
    claimed = db.session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed == 1:
        # Already written by the UPDATE: keep the loaded object in step without a second write.
        set_committed_value(account, "totp_last_step", step)
    return claimed == 1
