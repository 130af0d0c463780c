"""Configuration: defaults in code, then ``instance/config.py``, then the environment.

The environment names from the deployment contract (``DATABASE_URL``, ``SECRET_KEY``,
``BASE_URL``, ``INSTANCE_PATH``, ``PUSH_ALLOWED_HOSTS``, ``MEDIA_URL`` and the S3 tools'
``S3_ENDPOINT_URL``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, and
``SMTP_URL``, ``MAIL_FROM``) are read as they are; any other setting
can be given as ``FEEDBACK_<NAME>`` (JSON values are parsed, so ``FEEDBACK_PAGE_SIZE=50`` works).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from app.accountability.working_time import (
    CalendarError,
    parse_clock,
    parse_periods,
    parse_weekdays,
)

DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "production",
    "SECRET_KEY": None,
    "BASE_URL": "http://127.0.0.1:8000",
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_NAME": "cf_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(days=365),
    # JSON bodies are small; photos arrive through their own size-checked upload path.
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    "MAX_JSON_BYTES": 1024 * 1024,
    "PAGE_SIZE": 20,
    # Built feed pages and group pages each process keeps, one per reader and URL
    # (app/read_cache.py); 0 keeps none.
    "READ_CACHE_ENTRIES": 2000,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    # The operator's mailto: address or https: URL, sent to push services (app/push/subject.py).
    "VAPID_SUBJECT": None,
    "PUSH_ALLOWED_HOSTS": None,
    # The name authenticator apps show beside a staff member's sign-in codes.
    "TOTP_ISSUER": "Góp ý xã",
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (app/client_address.py).
    "FORWARDED_ALLOW_IPS": "127.0.0.1,::1",
    # Overrides of the rate limits, name -> [count, window_s] (app/ratelimit/limits.py).
    "RATE_LIMITS": {},
    # Office hours that deadlines count in, Asia/Ho_Chi_Minh (app/accountability/working_time.py);
    # WORKING_DAYS are ISO weekdays (1 is Monday). Public holidays are left out by themselves.
    "WORKING_HOURS": ["07:30-11:30", "13:30-17:00"],
    "WORKING_DAYS": [1, 2, 3, 4, 5],
    # When the morning digest of overdue threads goes out, local time, on working days
    # (app/notifications/digest.py).
    "DIGEST_TIME": "07:00",
    # Where photos live (app/media): unset, the instance's uploads/ folder; s3://BUCKET[/PREFIX],
    # an S3-compatible bucket. The AWS_* names are the S3 tools' own; unset keys come from
    # boto3's chain (~/.aws, an instance role).
    "MEDIA_URL": None,
    "S3_ENDPOINT_URL": None,
    "AWS_REGION": None,
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    # Mail for staff (a forgotten password's link, app/mail.py): smtp://[USER:PASS@]HOST[:PORT]
    # (STARTTLS, port 587) or smtps://… (TLS from the start, port 465); unset, nothing is mailed.
    "SMTP_URL": None,
    "MAIL_FROM": None,
}

# Names the deployment contract fixes; they are read without a prefix.
CONTRACT_ENV = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "BASE_URL": "BASE_URL",
    "PUSH_ALLOWED_HOSTS": "PUSH_ALLOWED_HOSTS",
    "FORWARDED_ALLOW_IPS": "FORWARDED_ALLOW_IPS",
    "VAPID_SUBJECT": "VAPID_SUBJECT",
    "MEDIA_URL": "MEDIA_URL",
    "S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "AWS_REGION": "AWS_REGION",
    "AWS_ACCESS_KEY_ID": "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY": "AWS_SECRET_ACCESS_KEY",
    "SMTP_URL": "SMTP_URL",
    "MAIL_FROM": "MAIL_FROM",
}

# Where bin/run keeps the secret it made, inside the instance folder.
SECRET_KEY_FILE = "secret_key"

WEAK_SECRETS = {"", "dev", "changeme", "secret", "development"}


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


def instance_path_from_env() -> str:
    """Where the database, keys and uploads live (``INSTANCE_PATH``, default ``instance/``)."""
    configured = os.environ.get("INSTANCE_PATH")
    if configured:
        return str(Path(configured).resolve())
    return str(Path.cwd() / "instance")


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in order: defaults, instance file, environment, test overrides."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for env_name, key in CONTRACT_ENV.items():
            if os.environ.get(env_name):
                app.config[key] = os.environ[env_name]
        app.config.from_prefixed_env("FEEDBACK")
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = instance_secret(app.instance_path)
    else:
        app.config.update(test_config)

    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        db_file = Path(app.instance_path) / "feedback.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A busy writer makes others wait (up to 15 s) rather than fail with "database is locked".
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"timeout": 15})
        # A file has no server to lose the connection: a ping per request only costs a query.
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    base_url = app.config["BASE_URL"].rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"BASE_URL must be an http(s) origin, got {base_url!r}")
    app.config["BASE_URL"] = base_url
    app.config["SESSION_COOKIE_SECURE"] = parts.scheme == "https"
    app.config["PREFERRED_URL_SCHEME"] = parts.scheme

    check_secret(app)
    check_working_hours(app)
    check_mail(app)


def check_working_hours(app: Flask) -> None:
    """Refuse to start with office hours that deadlines cannot be counted in."""
    try:
        parse_periods(app.config["WORKING_HOURS"])
        parse_weekdays(app.config["WORKING_DAYS"])
        parse_clock(app.config["DIGEST_TIME"])
    except (CalendarError, TypeError, ValueError) as error:
        raise ConfigError(f"WORKING_HOURS / WORKING_DAYS / DIGEST_TIME: {error}") from None


def check_mail(app: Flask) -> None:
    """Refuse an ``SMTP_URL`` that could never send: another scheme, no host, no sender."""
    url = app.config.get("SMTP_URL")
    if not url:
        return
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("SMTP_URL has an invalid port") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == 0:
        raise ConfigError("SMTP_URL must be smtp://[USER:PASS@]HOST[:PORT] or smtps://…")
    if "@" not in (app.config.get("MAIL_FROM") or ""):
        raise ConfigError("MAIL_FROM must be the sender's e-mail address when SMTP_URL is set")


def instance_secret(instance_path: str) -> str | None:
    """The key ``bin/run`` keeps in ``<instance>/secret_key``, so the CLI and a gunicorn started
    by hand sign cookies with the same key; an explicit ``SECRET_KEY`` is read before this."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spelling and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def check_secret(app: Flask) -> None:
    """Refuse to run outside development and testing without a strong secret key."""
    secret = app.config.get("SECRET_KEY") or ""
    relaxed = app.config["ENV_NAME"] in ("development", "testing") or app.config.get("TESTING")
    if relaxed:
        if not secret:
            app.config["SECRET_KEY"] = "development-only-not-secret"
        return
    if secret.lower() in WEAK_SECRETS or len(secret) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random string of at least 32 characters in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
            f"or kept in {Path(app.instance_path) / SECRET_KEY_FILE} (bin/run makes it)."
        )
