"""The server's VAPID key, kept in the instance folder and loaded once per process."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from app.push.endpoints import HostRule, parse_allowed_hosts
from app.push.vapid import VapidKey


def vapid_key(app: Flask | None = None) -> VapidKey:
    """Load (or, on first use, create with mode 0600) ``instance/vapid_private.pem``."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    key = app.extensions.get("vapid_key")
    if key is None:
        path = Path(
            app.config.get("VAPID_PRIVATE_KEY_PATH")
            or Path(app.instance_path) / "vapid_private.pem"
        )
        key = VapidKey.load_or_create(path)
        app.extensions["vapid_key"] = key
    return key


def allowed_hosts(app: Flask | None = None) -> tuple[HostRule, ...]:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    rules = app.extensions.get("push_allowed_hosts")
    if rules is None:
        rules = parse_allowed_hosts(app.config.get("PUSH_ALLOWED_HOSTS"))
        app.extensions["push_allowed_hosts"] = rules
    return rules
