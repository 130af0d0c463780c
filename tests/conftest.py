"""Fixtures: an app per database backend, clients that act as each role, and factories."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from app import create_app
from app.accounts.models import Account
from app.accounts.passwords import hash_password
from app.communes.models import Commune
from app.communes.services import create_commune
from app.extensions import db
from app.media.storage import LocalStorage, MediaStorage, S3Storage, s3_client
from app.membership.services import add_official
from tests.databases import postgres_for_test, postgres_unavailable_reason
from tests.s3 import moto_server, new_bucket
from tests.s3 import settings as s3_settings

BASE_URL = "http://feedback.test"
PASSWORD = "correct horse battery"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at minimum cost in tests: the real parameters make every sign-in ~100 ms."""
    from argon2 import PasswordHasher

    from app.accounts import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = real


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--browser-tests",
        choices=("include", "exclude", "only"),
        default="include",
        help="bin/test runs the rest under pytest-xdist (exclude), then these alone (only)",
    )


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``--browser-tests=exclude`` leaves tests/browser out, ``only`` everything else."""
    choice = config.getoption("--browser-tests")
    inside = collection_path == BROWSER_TESTS or BROWSER_TESTS in collection_path.parents
    if choice == "exclude" and inside:
        return True
    if choice == "only" and not inside and collection_path not in BROWSER_TESTS.parents:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright keeps an event loop running in the main thread for
    the rest of the session, which code under test that starts its own loop cannot share.
    Files named on the command line are collected even when ignored: deselected here."""
    choice = config.getoption("--browser-tests")
    if choice != "include":
        wanted = choice == "only"
        deselected = [item for item in items if _is_browser_test(item) != wanted]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if _is_browser_test(item) == wanted]
    items.sort(key=_is_browser_test)


def _is_browser_test(item: pytest.Item) -> bool:
    return BROWSER_TESTS in item.path.parents


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under bin/test, add this run's counts to a file, for the one closing line of both runs."""
    path = os.environ.get("TEST_COUNTS_FILE")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not path or reporter is None or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    counts = {key: len(reporter.stats.get(key, ())) for key in ("passed", "failed", "skipped")}
    counts["failed"] += len(reporter.stats.get("error", ()))
    with open(path, "a", encoding="utf-8") as file:
        file.write(" ".join(f"{key}={value}" for key, value in counts.items()) + "\n")


def pytest_report_header(config: pytest.Config) -> str:
    reason = postgres_unavailable_reason()
    if reason is None:
        return "databases: SQLite and PostgreSQL"
    return f"databases: SQLite only -- PostgreSQL tests are SKIPPED: {reason}"


class OriginClient(FlaskClient):
    """A test client that sends our Origin on state-changing requests, as a browser does."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if method not in ("GET", "HEAD", "OPTIONS"):
            headers.setdefault("Origin", BASE_URL)
        kwargs["headers"] = headers
        response = super().open(*args, **kwargs)
        # A real request ends its transaction when its app context ends; here the test's
        # context outlives the request, so end it explicitly (it must not hold SQLite's lock).
        if has_app_context():
            db.session.rollback()
        return response


class _Backends:
    """The run's databases and apps, one per backend, made on first use and kept to the end.

    ``database_url`` is a parametrized session fixture, so pytest finalizes one backend's
    instance whenever the next test wants the other; under pytest-xdist that happens often.
    Keeping the real resources here makes such a switch a dictionary look-up instead of a new
    database, ``create_all`` and app.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._stack = ExitStack()
        self._urls: dict[str, str] = {}
        self._apps: dict[str, Flask] = {}

    def url(self, backend: str) -> str:
        if backend not in self._urls:
            if backend == "sqlite":
                self._urls[backend] = f"sqlite:///{self._tmp.mktemp('sqlite') / 'test.sqlite3'}"
            else:
                self._urls[backend] = self._stack.enter_context(postgres_for_test())
        return self._urls[backend]

    def app(self, url: str) -> Flask:
        if url not in self._apps:
            self._apps[url] = self._make_app(url)
        return self._apps[url]

    def _make_app(self, url: str) -> Flask:
        # Uploads and keys go to a throwaway instance folder, never the repository's.
        os.environ["INSTANCE_PATH"] = str(self._tmp.mktemp("instance"))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
                "SQLALCHEMY_DATABASE_URI": url,
                "BASE_URL": BASE_URL,
                # The push service double listens on 127.0.0.1 (plain http, any port).
                "PUSH_ALLOWED_HOSTS": "127.0.0.1",
                # Tests post far faster than people; tests/ratelimit enables the limits itself.
                "RATE_LIMITS_ENABLED": False,
                "VAPID_PRIVATE_KEY_PATH": str(self._tmp.mktemp("keys") / "vapid.pem"),
            }
        )
        app.test_client_class = OriginClient
        with app.app_context():
            db.create_all()
        self._stack.callback(_dispose, app)
        return app

    def close(self) -> None:
        self._stack.close()


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Backends]:
    backends = _Backends(tmp_path_factory)
    yield backends
    backends.close()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, _backends: _Backends) -> str:
    """One database per backend for the whole run (per xdist worker); PostgreSQL is created
    and dropped, or the test skipped (failed under REQUIRE_POSTGRES=1) without a server."""
    return _backends.url(request.param)


@pytest.fixture(scope="session")
def session_app(database_url: str, _backends: _Backends) -> Flask:
    return _backends.app(database_url)


@pytest.fixture
def app(session_app: Flask) -> Iterator[Flask]:
    """The app with an empty database and an app context for factories."""
    if _SHARED:  # a module's shared rows are still there: this test wants none
        _forget_shared()
    with session_app.app_context():
        yield session_app
        db.session.rollback()
        db.session.remove()
        _empty_tables()


# What ``shared`` made, by name, while those rows are in the database.
_SHARED: dict[str, Any] = {}


@pytest.fixture(scope="module")
def module_app(session_app: Flask) -> Iterator[Flask]:
    """One app context for a whole module, under ``shared``; the tables are emptied at the
    module's end (or sooner, when one of its tests asks for ``app``)."""
    with session_app.app_context():
        yield session_app
        _forget_shared()


@pytest.fixture
def shared(module_app: Flask) -> Callable[[str, Callable[[Flask], Any]], Any]:
    """Rows made once for the tests of a module that only read them.

    ``shared(name, build)`` returns what ``build(app)`` returned the first time; it builds
    again after anything emptied the tables (a test using ``app``, another backend). A test
    that writes must use ``app`` and the factories instead.
    """

    def get(name: str, build: Callable[[Flask], Any]) -> Any:
        if name not in _SHARED:
            _SHARED[name] = build(module_app)
        return _SHARED[name]

    return get


def _forget_shared() -> None:
    db.session.rollback()
    db.session.remove()
    _empty_tables()
    _SHARED.clear()


def _empty_tables() -> None:
    """Delete every row, children first, in one round trip.

    DELETE rather than TRUNCATE on PostgreSQL: TRUNCATE makes new files for every table and
    its indexes (about 225 ms for the whole schema), DELETE of a few rows takes a millisecond.
    Sequences go on counting, as SQLite's AUTOINCREMENT does: ids are never reissued.
    """
    statements = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join(statements))
        else:
            for statement in statements:
                conn.exec_driver_sql(statement)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_STAFF_HASH: list[str] = []


def _staff_hash() -> str:
    # Argon2 is deliberately slow; hash the shared test password once per run.
    if not _STAFF_HASH:
        _STAFF_HASH.append(hash_password(PASSWORD))
    return _STAFF_HASH[0]


def new_commune(slug: str = "u-minh-thuong", name: str = "Xã U Minh Thượng") -> Commune:
    commune = create_commune(slug, name)
    db.session.commit()
    return commune


def new_staff(email: str, *, admin: bool = False, communes: tuple[Commune, ...] = ()) -> Account:
    account = Account(
        email=email,
        password_hash=_staff_hash(),
        is_admin=admin,
        display_name=email.split("@")[0],
    )
    db.session.add(account)
    db.session.flush()
    for commune in communes:
        add_official(account, commune)
    db.session.commit()
    return account


def sign_in(app: Flask, email: str) -> FlaskClient:
    """A new client signed in through the real login endpoint."""
    new_client = app.test_client()
    response = new_client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return new_client


def join_as_resident(app: Flask, commune: Commune, display_name: str | None = None) -> FlaskClient:
    """A new client that joined ``commune`` through the real join endpoint (a new resident)."""
    new_client = app.test_client()
    payload = {"token": commune.join_token}
    if display_name:
        payload["display_name"] = display_name
    response = new_client.post("/api/v1/join", json=payload)
    assert response.status_code == 201, response.get_json()
    return new_client


def build_world(app: Flask) -> dict[str, Any]:
    """Two communes, each with an official and residents; an admin over everything."""
    a = new_commune("xa-a", "Xã A")
    b = new_commune("xa-b", "Xã B")
    new_staff("admin@example.vn", admin=True)
    new_staff("official.a@example.vn", communes=(a,))
    new_staff("official.b@example.vn", communes=(b,))
    return {
        "a": a,
        "b": b,
        "admin": sign_in(app, "admin@example.vn"),
        "official_a": sign_in(app, "official.a@example.vn"),
        "official_b": sign_in(app, "official.b@example.vn"),
        "resident_a": join_as_resident(app, a, "Chị Lan"),
        "resident_a2": join_as_resident(app, a, "Anh Minh"),
        "resident_b": join_as_resident(app, b, "Cô Hoa"),
    }


@pytest.fixture
def make_commune(app: Flask) -> Callable[..., Commune]:
    return new_commune


@pytest.fixture
def make_staff(app: Flask) -> Callable[..., Account]:
    return new_staff


@pytest.fixture
def login(app: Flask) -> Callable[[str], FlaskClient]:
    """A new client signed in through the real login endpoint."""
    return functools.partial(sign_in, app)


@pytest.fixture
def join(app: Flask) -> Callable[..., FlaskClient]:
    """A new client that joined ``commune`` through the real join endpoint (a new resident)."""
    return functools.partial(join_as_resident, app)


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Two communes, each with an official and residents; an admin over everything."""
    return build_world(app)


# --- media: the same tests on the local folder and on a real S3 endpoint (tests/s3.py) ------


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server for this run (per xdist worker), started when a test first wants it."""
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture(params=("local", "s3"))
def media(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[MediaStorage]:
    """The app's media storage for one test: a fresh local folder, or a fresh bucket."""
    storage: MediaStorage
    if request.param == "local":
        storage = LocalStorage(tmp_path / "uploads")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        storage = S3Storage(s3_client(s3_settings(endpoint)), new_bucket(endpoint), "media")
    saved = app.extensions["media"]
    app.extensions["media"] = storage
    yield storage
    app.extensions["media"] = saved
