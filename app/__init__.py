"""commune-feedback: a commune's feedback group, from a QR board to an answered question.

Importing this package defines blueprints and commands only; ``create_app`` reads the
configuration, sets up the extensions and connects the signals' receivers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import (
    assets,
    client_address,
    conditional,
    database,
    errors,
    headers,
    i18n,
    parsing,
    read_cache,
    read_versions,
)

# The models of every capability, and the audit log's append-only guard, known to SQLAlchemy
# before the first query (and to Alembic's comparison).
from app.accountability import models as _accountability_models  # noqa: F401
from app.accountability.routes import bp as accountability_bp
from app.accounts import origin_guard, sessions
from app.accounts.cli import users_cli
from app.accounts.routes import bp as accounts_bp
from app.admin.routes import bp as admin_bp
from app.announcements.routes import bp as announcements_bp
from app.api import create_api_blueprint
from app.audit import services as _audit_services  # noqa: F401
from app.backup import backup_command
from app.communes.cli import communes_cli, demo_command
from app.communes.routes import bp as communes_bp
from app.config import instance_path_from_env, load_config
from app.extensions import db, migrate
from app.media import storage as media
from app.media.cli import media_cli
from app.membership import models as _membership_models  # noqa: F401
from app.membership.routes import bp as membership_bp
from app.notifications import subscribers as notifications
from app.open311.formats import error_response as open311_error_list
from app.open311.routes import bp as open311_bp
from app.privacy import services as privacy
from app.push import pages as push_pages
from app.push.cli import push_cli
from app.pwa import bp as pwa_bp
from app.ratelimit import guard as ratelimit_guard
from app.threads import categories, deadlines
from app.threads import indexing as search_indexing
from app.threads.routes import bp as threads_bp
from app.web import IdConverter
from app.workspace import models as _workspace_models  # noqa: F401
from app.workspace.routes import bp as workspace_bp

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands."""
    app = Flask(
        __name__,
        instance_path=instance_path_from_env(),
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    client_address.init_app(app)  # first: a wrong FORWARDED_ALLOW_IPS stops the start
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    database.init_app(app)
    media.init_app(app)
    # Sessions next: an old cookie is dealt with before anything else may answer (and after
    # the database has chosen how a writing request's transaction begins).
    sessions.init_app(app)
    i18n.init_app(app)
    # Open311 clients read GeoReport v2's [{"code", "description"}], whatever failed.
    errors.init_app(app, faces={"/open311/": open311_error_list})
    parsing.init_app(app)  # before anything reads a body: every get_json is checked
    origin_guard.init_app(app)
    ratelimit_guard.init_app(app)  # after sessions: limits per member need the account
    headers.init_app(app)
    conditional.init_app(app)
    read_cache.init_app(app)
    assets.init_app(app)
    push_pages.init_app(app)
    _connect_receivers(app)

    app.url_map.converters["id"] = IdConverter
    _register_blueprints(app)
    _register_commands(app)
    return app


def _connect_receivers(app: Flask) -> None:
    """Subscribe the concepts to the domain's signals (app/signals.py) and the session's
    events, in the event's transaction. Both are process-wide and connecting again is a
    no-op, so many apps in one process are fine."""
    categories.connect_receivers()
    deadlines.connect_receivers()
    privacy.connect_listeners()
    read_versions.connect_listeners()
    search_indexing.init_app(app)
    notifications.init_app(app)


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(create_api_blueprint())
    app.register_blueprint(accounts_bp)
    app.register_blueprint(communes_bp)
    app.register_blueprint(membership_bp)
    app.register_blueprint(threads_bp)
    app.register_blueprint(announcements_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(accountability_bp)


def _register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(communes_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(push_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(media_cli)
