"""Issue 12, item 12: every number, time, cursor and JSON body from outside goes through
``app.parsing``, which answers garbage with a 4xx naming the field, never a 500."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from app import create_app
from app.errors import BadJson, ValidationError
from app.extensions import db
from app.parsing import (
    MAX_ID,
    MAX_JSON_DEPTH,
    MAX_YEAR,
    MIN_YEAR,
    InvalidValue,
    is_digits,
    page_cursor,
    parse_cursor,
    parse_datetime,
    parse_digits,
    parse_float,
    parse_id,
    parse_int,
    parse_json,
)
from app.threads.models import Category
from tests.conftest import PASSWORD, OriginClient

# Anything a query string, a form or a JSON body could carry.
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(),
    st.text(),
    st.text(alphabet="0123456789-+.eE:TZz ", max_size=30),
    st.text(alphabet="0123456789", min_size=4000, max_size=4500),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
# ISO 8601-looking text, including the years near 1 and 9999 that overflow on arithmetic.
ISO_LIKE = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}{}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 60),
    st.sampled_from(["", "Z", "+00:00", "-05:00", "+14:00", "-23:59", "+24:00"]),
)


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app context for the parsers (messages, MAX_JSON_BYTES); no database is touched."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("parsing-instance")))
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )
    with app.app_context():
        yield app


def _refused(error: ValidationError, field: str) -> None:
    assert isinstance(error, ValueError) and error.status == 422
    assert error.field == field and error.message.strip()


# --- the parsers, against garbage --------------------------------------------------------------


@settings(max_examples=400)
@given(value=ANYTHING, low=st.integers(-100, 100), span=st.integers(0, 10**12))
def test_parse_int_returns_a_number_in_range_or_refuses(bare_app, value, low, span):
    high = low + span
    try:
        number = parse_int(value, "n", minimum=low, maximum=high)
    except InvalidValue as error:
        _refused(error, "n")
    else:
        assert type(number) is int and low <= number <= high


@settings(max_examples=300)
@given(value=ANYTHING)
def test_parse_id_and_cursor_stay_inside_database_ids(bare_app, value):
    try:
        assert 1 <= parse_id(value, "id") <= MAX_ID
    except InvalidValue as error:
        _refused(error, "id")
    try:
        cursor = parse_cursor(value)
    except InvalidValue as error:
        _refused(error, "cursor")
    else:
        assert cursor is None or 0 <= cursor <= MAX_ID
    assert page_cursor(value) is None or 0 <= page_cursor(value) <= MAX_ID


@pytest.mark.parametrize("text", ["٣", "３", "²", "--5", "-5", "+5", " 5", "5 ", "", "1e3", "5.0"])
def test_only_ascii_digits_are_digits(text):
    # str.isdigit() says yes to "٣", "３" and "²"; int() would read the first two as 3.
    assert not is_digits(text)
    assert parse_digits(text, maximum=10) is None
    assert parse_digits(text, maximum=10, clamp=True) is None


def test_parse_digits_bounds_however_many_digits():
    assert parse_digits("0065535", maximum=65535) == 65535
    assert parse_digits("65536", maximum=65535) is None
    assert parse_digits("9" * 5000, maximum=65535) is None
    assert parse_digits("9" * 5000, maximum=65535, clamp=True) == 65535
    assert parse_digits("0" * 5000, maximum=1) == 0


@given(value=ANYTHING | st.text(alphabet="0123456789٣３²-", max_size=30))
def test_parse_digits_never_raises_and_stays_in_bounds(value):
    number = parse_digits(value, maximum=999)
    assert number is None or (is_digits(value) and 0 <= number <= 999)


@settings(max_examples=400)
@given(value=ANYTHING | st.text(alphabet="0123456789.eE+-naifNI", max_size=12))
def test_parse_float_is_finite_and_in_range_or_refuses(bare_app, value):
    try:
        number = parse_float(value, "x", minimum=-90, maximum=90)
    except InvalidValue as error:
        _refused(error, "x")
    else:
        assert math.isfinite(number) and -90 <= number <= 90


@settings(max_examples=500)
@given(
    value=ANYTHING | ISO_LIKE,
    zone=st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]),
)
def test_parse_datetime_gives_a_safe_utc_time_or_refuses(bare_app, value, zone):
    try:
        moment = parse_datetime(value, "when", zone=zone)
    except InvalidValue as error:
        _refused(error, "when")
    else:
        assert moment.tzinfo is UTC and MIN_YEAR - 1 <= moment.year <= MAX_YEAR + 1
        # Any window the app computes around it stays representable.
        assert moment - timedelta(days=3660) < moment < moment + timedelta(days=3660)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    raw=st.one_of(
        st.binary(max_size=60),
        st.text(max_size=60),
        JSON_VALUES.map(json.dumps),
        st.integers(1, 300).map(_nested),
    )
)
def test_parse_json_parses_or_refuses_with_bad_json(bare_app, raw):
    try:
        data = parse_json(raw)
    except BadJson as error:
        assert isinstance(error, ValueError) and error.status == 400 and error.message
    else:
        assert data == json.loads(raw) or data != data  # NaN is never equal to itself


def test_parse_json_limits_depth_and_size(bare_app):
    assert parse_json(_nested(MAX_JSON_DEPTH)) == json.loads(_nested(MAX_JSON_DEPTH))
    for raw in (_nested(MAX_JSON_DEPTH + 1), _nested(200_000)):
        with pytest.raises(BadJson):
            parse_json(raw)
    with pytest.raises(BadJson):
        parse_json("[" + "1," * 600_000 + "1]")  # over MAX_JSON_BYTES (1 MiB)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01T08:00:00+07:00", datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01T01:00:00Z", datetime(2025, 3, 1, 1, tzinfo=UTC)),
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime_reads_offsets_and_dates(bare_app, value, expected):
    assert parse_datetime(value, "when") == expected


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:00-05:00", "1899-12-31", "２０２５-01"],
)
def test_parse_datetime_refuses_years_outside_the_bounds(bare_app, value):
    with pytest.raises(InvalidValue):
        parse_datetime(value, "when")


@pytest.mark.parametrize("value", ["--5", "-", "+5", " 5", "5 ", "0x10", "1e3", "٣", "9" * 4400])
def test_parse_int_refuses_what_is_not_plain_digits(bare_app, value):
    with pytest.raises(InvalidValue):
        parse_int(value, "position", minimum=-10, maximum=10**9)


# --- the four 500s of the penetration test, through HTTP, on both databases ------------------


@pytest.fixture
def limited_client(app: Flask) -> Iterator[OriginClient]:
    """A client of an app with the rate limits on (the limiter reads the body first)."""
    keys = ("SQLALCHEMY_DATABASE_URI", "BASE_URL", "SECRET_KEY")
    other = create_app(
        {**{key: app.config[key] for key in keys}, "TESTING": True, "RATE_LIMITS_ENABLED": True}
    )
    other.test_client_class = OriginClient
    yield other.test_client()
    with other.app_context():
        db.engine.dispose()


def test_a_login_body_nested_200000_deep_is_a_400(app, limited_client, make_staff):
    make_staff("canbo@example.vn")
    deep = _nested(200_000)
    response = limited_client.post("/api/v1/auth/login", data=deep, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["code"] == "bad_json"
    # The sign-in page, sent JSON instead of its form, refuses plainly too.
    page = limited_client.post("/login", data=deep, content_type="application/json")
    assert 400 <= page.status_code < 500
    # A body a level too deep for any request of ours, but within Python's own limits.
    shallow = '{"email": "canbo@example.vn", "password": ' + _nested(100) + "}"
    response = limited_client.post(
        "/api/v1/auth/login", data=shallow, content_type="application/json"
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_json"
    # The limiter still counts proper sign-ins.
    good = {"email": "canbo@example.vn", "password": PASSWORD}
    assert limited_client.post("/api/v1/auth/login", json=good).status_code == 200


def test_a_feed_cursor_of_4400_digits_shows_the_newest_threads(world):
    resident = world["resident_a"]
    posted = resident.post(
        "/api/v1/communes/xa-a/threads",
        json={"kind": "question", "body": "Khi nào có nước sạch?", "visibility": "public"},
    )
    assert posted.status_code == 201
    for cursor in ("9" * 4400, "-1", "--5", "１２"):
        page = resident.get("/c/xa-a", query_string={"cursor": cursor})
        assert page.status_code == 200 and "Khi nào có nước sạch?" in page.text
    api = resident.get("/api/v1/communes/xa-a/threads", query_string={"cursor": "9" * 4400})
    assert api.status_code == 422 and api.get_json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("end_date", "0001-01-01T00:00:00Z"),
        ("end_date", "0001-01-03"),
        ("start_date", "0001-01-01T00:00:00+05:00"),
        ("end_date", "9999-12-31T23:59:59-05:00"),
    ],
)
def test_an_open311_date_near_the_ends_of_time_is_a_400(world, client, name, value):
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests.{fmt}", query_string={name: value})
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
        assert name in response.get_data(as_text=True)


def test_a_category_position_of_double_minus_five_is_refused(world):
    official = world["official_a"]
    category = db.session.query(Category).filter_by(commune_id=world["a"].id).first()
    assert category is not None
    for position in ("--5", "9" * 4400, "1e3", "-1"):
        response = official.post(f"/w/xa-a/categories/{category.id}", data={"position": position})
        assert response.status_code == 422, position
    moved = official.post(f"/w/xa-a/categories/{category.id}", data={"position": "2"})
    assert moved.status_code == 303


# --- the rest of the class: every number and date in a query string -------------------------

NASTY = ("9" * 4400, "--5", "-1", "1e5", "0x1f", "１", " 1", "0001-01-01", "")


@pytest.mark.parametrize(
    ("who", "path", "names"),
    [
        ("resident_a", "/api/v1/communes/xa-a/threads", ("cursor", "limit")),
        ("resident_a", "/api/v1/communes/xa-a/announcements", ("cursor", "limit")),
        ("official_a", "/api/v1/inbox", ("cursor", "category", "assignee", "limit")),
        ("official_a", "/api/v1/communes/xa-a/members", ("cursor", "limit")),
        ("official_a", "/api/v1/audit", ("cursor", "limit")),
        ("official_a", "/w/xa-a", ("cursor", "category", "assignee")),
        ("official_a", "/w/xa-a/audit", ("cursor",)),
        ("admin", "/api/v1/stats", ("weeks",)),
        ("admin", "/admin/stats", ("weeks",)),
        ("admin", "/api/v1/invites", ("cursor", "limit")),
        (None, "/open311/v2/requests.json", ("page", "page_size", "start_date", "end_date")),
    ],
)
def test_no_number_or_date_in_a_query_string_is_a_500(world, client, who, path, names):
    caller = world[who] if who else client
    for name in names:
        for value in NASTY:
            response = caller.get(path, query_string={name: value})
            assert response.status_code < 500, (path, name, value[:20], response.status_code)
            db.session.rollback()


def test_json_numbers_of_every_shape_are_refused_or_used(world):
    official = world["official_a"]
    thread = (
        world["resident_a"]
        .post(
            "/api/v1/communes/xa-a/threads",
            json={"kind": "report", "body": "Đèn đường hỏng", "visibility": "public"},
        )
        .get_json()["id"]
    )
    for value in ("9" * 4400, "1" + "0" * 400, "-5", "--5", 1.5, True, [], 2**31, -(2**63)):
        raw = '{"assignee": ' + (value if isinstance(value, str) else json.dumps(value)) + "}"
        response = official.put(
            f"/api/v1/threads/{thread}/assignee", data=raw, content_type="application/json"
        )
        assert response.status_code in (400, 422), (value, response.status_code)
        db.session.rollback()
