"""The budgets: one name each, overridable by ``RATE_LIMITS`` (docs/limits.md explains them).

``RATE_LIMITS`` maps a name to ``[count, window_s]``; from the environment it is JSON, e.g.
``FEEDBACK_RATE_LIMITS='{"join-ip": [2, 3600]}'``. Names not given keep their default.
"""

from __future__ import annotations

from typing import Any

from app.config import ConfigError
from app.ratelimit.services import Limit

MINUTE, HOUR, DAY = 60, 3600, 86_400

DEFAULTS: dict[str, tuple[int, int]] = {
    # Joining creates accounts. A meeting of 300 behind one address fits in an hour with room
    # to spare; a script making members from one address stops at the 401st.
    "join-ip": (400, HOUR),
    "join-ip-day": (1_200, DAY),
    # Posting (questions, reports, replies).
    "post-member": (20, 10 * MINUTE),
    "post-new-member": (5, 10 * MINUTE),  # residents whose account is under a day old
    "post-ip": (600, 10 * MINUTE),
    "post-new-ip": (600, HOUR),  # posts by brand-new residents from one address
    # Sign-in: guessing is slowed per account and address, and per account overall; a
    # trusted device of the account has its own budget, so strangers cannot lock it out.
    "login-pair": (10, 15 * MINUTE),
    "login-ip": (100, 15 * MINUTE),
    "login-account": (100, 15 * MINUTE),
    "login-device": (10, 15 * MINUTE),
    # Second-factor codes and password re-checks of a signed-in account: only someone who
    # holds the password (or the session) gets here, so this one is tight.
    "login-code": (10, 15 * MINUTE),
    # Transfer and recovery codes typed on a new phone: a person mistypes a few times; a
    # script guessing codes from one address stops at the 21st.
    "transfer-ip": (20, 15 * MINUTE),
    "transfer-ip-day": (100, DAY),
}

# A brand-new member: a resident account younger than this.
NEW_MEMBER_SECONDS = DAY


def configured_limits(config: dict[str, Any]) -> dict[str, Limit]:
    """Every limit, with ``RATE_LIMITS`` overrides applied; ConfigError for a bad override."""
    overrides = config.get("RATE_LIMITS") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(
            'RATE_LIMITS must map limit names to [count, window_s], e.g. {"join-ip": [2, 3600]}'
        )
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"RATE_LIMITS names unknown limits {unknown}; known: {', '.join(sorted(DEFAULTS))}"
        )
    limits = {}
    for name, default in DEFAULTS.items():
        value = overrides.get(name, default)
        if not _is_budget(value):
            raise ConfigError(
                f"RATE_LIMITS[{name!r}] must be [count, window_s]: two positive whole numbers, "
                f"the window at most {DAY} seconds; got {value!r}"
            )
        count, window_s = value
        limits[name] = Limit(name, count, window_s)
    return limits


def _is_budget(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)
        # Counters are forgotten two days after their window starts (services.hit).
        and value[1] <= DAY
    )
