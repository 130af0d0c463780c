"""What the pages show of push: whether this phone's subscription is held by the server."""

from __future__ import annotations

from flask import Flask

from app.accounts.sessions import current_account_id, current_session_id
from app.push.subscriptions import session_subscribed


def this_phone_subscribed() -> bool:
    """True when the server holds a subscription made in this browser's sign-in session."""
    account_id = current_account_id()
    return account_id is not None and session_subscribed(account_id, current_session_id())


def init_app(app: Flask) -> None:
    # Called by the invitation's template (membership/_notify.html), the only page part that
    # says whether notifications are on, so other pages cost no query.
    app.jinja_env.globals["push_subscribed"] = this_phone_subscribed
