"""Views declare the limits they spend: ``@limited("post")`` right under the route decorator.

The guard (guard.py) reads the declaration of the view a request was routed to, so a route
that moves or is renamed keeps its limits, and a new view without one is caught by
tests/ratelimit/test_declarations.py. What each kind counts, and the numbers, are in guard.py,
limits.py and docs/limits.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal, TypeVar, get_args

# password: a sign-in with email and password (the API's may carry the code too)
# sign-in-code: the sign-in page's second step, the code of the account that gave the password
# code: a signed-in account's password or second-factor code checked again (a stolen session
#       must not guess its way further)
# join: joining a commune with its QR token
# post: a question, report or reply
# transfer: a resident's transfer or recovery code typed on another browser
Kind = Literal["password", "sign-in-code", "code", "join", "post", "transfer"]
KINDS: tuple[str, ...] = get_args(Kind)

View = TypeVar("View", bound=Callable[..., object])
_ATTRIBUTE = "rate_limit_kind"


def limited(kind: Kind) -> Callable[[View], View]:
    """Mark a view as spending the limits of ``kind`` (checked on POST, before the view)."""
    if kind not in KINDS:
        raise ValueError(f"unknown rate limit kind {kind!r}; known: {', '.join(KINDS)}")

    def declare(view: View) -> View:
        # An attribute, so functools.wraps carries it through decorators above this one.
        setattr(view, _ATTRIBUTE, kind)
        return view

    return declare


def without_limits(view: View) -> View:
    """``view`` again, declaring no limits: for registering a limited view a second time where
    its limits do not apply (the officials' workspace reuses the group's reply handler, and
    workspace replies were never limited: an official clears the inbox in one sitting)."""

    @functools.wraps(view)
    def unlimited(*args: object, **kwargs: object) -> object:
        return view(*args, **kwargs)

    # functools.wraps copied the declaration along with the rest of the view's attributes.
    vars(unlimited).pop(_ATTRIBUTE, None)
    return unlimited  # type: ignore[return-value]


def declared_kind(view: Callable[..., object] | None) -> str | None:
    """The kind ``view`` declared with :func:`limited`, or None."""
    return getattr(view, _ATTRIBUTE, None)
