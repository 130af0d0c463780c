"""GeoReport v2 over our data: categories are services, report threads are requests."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, raiseload

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.open311.models import ApiClient, ClientReport
from app.parsing import parse_datetime
from app.signals import thread_created
from app.threads.models import Category, Reply, StatusChange, Thread
from app.validation import TextField, is_storable

OPEN = ("new", "acknowledged", "in_progress")
DEFAULT_WINDOW = timedelta(days=90)
# Anyone may read these lists: pages stay small (a larger page_size is served as the largest).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 200


class Open311Error(Exception):
    """An error in the specification's shape: HTTP status and a list of {code, description}."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


DESCRIPTION = TextField("description", "description", required=True, max_len=4000)
ADDRESS = TextField(
    "address_string", "address_string", required=False, max_len=250, multiline=False
)


# --- clients -------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def issue_client(name: object, admin: Account) -> tuple[ApiClient, str]:
    """A new client and its key (shown once; only the hash is kept)."""
    clean = TextField("name", "name", max_len=120, multiline=False).clean(name)
    key = secrets.token_urlsafe(32)
    client = ApiClient(name=clean, key_hash=hash_key(key), created_by_id=admin.id)
    db.session.add(client)
    db.session.flush()
    return client, key


def revoke_client(client_id: int) -> ApiClient | None:
    client = db.session.get(ApiClient, client_id)
    if client is not None and client.revoked_at is None:
        client.revoked_at = utcnow()
    return client


def client_for_key(key: object) -> ApiClient:
    if not isinstance(key, str) or not key or len(key) > 200 or not is_storable(key):
        raise Open311Error(403, "api_key is missing or invalid")
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_hash == hash_key(key)))
    if client is None or client.revoked_at is not None:
        raise Open311Error(403, "api_key is missing or invalid")
    return client


# --- services (categories) -------------------------------------------------------------------


def jurisdiction(value: object, *, required: bool) -> Commune | None:
    if value in (None, ""):
        if required:
            raise Open311Error(400, "jurisdiction_id is required (the commune's identifier)")
        return None
    commune = None
    if isinstance(value, str) and len(value) <= 64 and is_storable(value):
        commune = db.session.scalar(select(Commune).where(Commune.slug == value))
    if commune is None:
        raise Open311Error(404, "jurisdiction_id is not a known commune")
    return commune


def service_list(commune: Commune) -> list[dict[str, Any]]:
    categories = db.session.scalars(
        select(Category)
        .where(Category.commune_id == commune.id, Category.archived.is_(False))
        .order_by(Category.position, Category.id)
    ).all()
    return [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.name,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": commune.name,
        }
        for category in categories
    ]


def service(commune: Commune, code: object) -> Category:
    category = None
    if isinstance(code, str) and len(code) <= 32 and is_storable(code):
        category = db.session.scalar(
            select(Category).where(
                Category.commune_id == commune.id,
                Category.code == code,
                Category.archived.is_(False),
            )
        )
    if category is None:
        raise Open311Error(404, "service_code is not a service of this jurisdiction")
    return category


def service_definition(category: Category) -> dict[str, Any]:
    # Our categories ask no extra questions yet: a definition with no attributes.
    return {"service_code": category.code, "attributes": []}


# --- requests (threads) -------------------------------------------------------------------


def _coordinate(value: object, name: str, bound: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value))
    except ValueError:
        raise Open311Error(400, f"{name} must be a decimal number") from None
    if not -bound <= number <= bound:
        raise Open311Error(400, f"{name} is out of range")
    return number


@dataclass(frozen=True)
class Filed:
    thread: Thread
    token: str


def file_request(commune: Commune, client: ApiClient, form: dict[str, str]) -> Filed:
    """Create a public report thread from an Open311 client (not committed)."""
    category = service(commune, form.get("service_code") or None)
    lat = _coordinate(form.get("lat"), "lat", 90)
    long = _coordinate(form.get("long"), "long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat and long must be given together")
    try:
        address = ADDRESS.clean(form.get("address_string"))
        description = DESCRIPTION.clean(form.get("description"))
    except Exception as error:  # the validators' message names the field
        raise Open311Error(400, str(error)) from None
    if lat is None and not address:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    thread = Thread(
        commune_id=commune.id,
        author=None,
        kind="report",
        title=category.name,
        body=description,
        visibility="public",
        status="new",
        category=category,
        latitude=lat,
        longitude=long,
        address=address,
    )
    db.session.add(thread)
    db.session.flush()
    token = secrets.token_urlsafe(18)
    db.session.add(ClientReport(thread_id=thread.id, client_id=client.id, token=token))
    db.session.flush()
    # Indexed and announced to the officials like any report, by the same subscribers.
    thread_created.send(thread)
    return Filed(thread=thread, token=token)


def _published() -> ColumnElement[bool]:
    """What Open311 publishes: reports (not questions) that every member of the group could
    see (public, not hidden), of communes that publish them. Never who wrote them."""
    return (
        (Thread.kind == "report")
        & (Thread.visibility == "public")
        & Thread.hidden_at.is_(None)
        & Commune.open311_public.is_(True)
    )


def _published_threads() -> Select[tuple[Thread]]:
    """Published threads with their commune and category in the same query; the author is
    never loaded (an attempt to read it raises)."""
    return (
        select(Thread)
        .join(Commune, Commune.id == Thread.commune_id)
        .where(_published())
        .options(
            contains_eager(Thread.commune), joinedload(Thread.category), raiseload(Thread.author)
        )
    )


def _parse_date(value: object, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = parse_datetime(value, name)  # years 1900-2999, UTC; a ValueError otherwise
    except ValueError:
        raise Open311Error(400, f"{name} must be an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_requests(commune: Commune | None, args: dict[str, str]) -> Sequence[Thread]:
    """``GET requests`` with the specification's filters and the page extension."""
    query = _published_threads().order_by(Thread.id.desc())
    if commune is not None:
        query = query.where(Thread.commune_id == commune.id)
    ids = args.get("service_request_id")
    if ids:
        parts = [part.strip() for part in ids.split(",") if part.strip()]
        if not parts or not all(p.isascii() and p.isdigit() and len(p) < 10 for p in parts):
            raise Open311Error(400, "service_request_id must be a comma-separated list of ids")
        if len(parts) > MAX_PAGE_SIZE:
            raise Open311Error(400, f"service_request_id may list at most {MAX_PAGE_SIZE} ids")
        # The specification: with ids, every other parameter is ignored.
        return db.session.scalars(query.where(Thread.id.in_([int(p) for p in parts]))).all()
    codes = [code for code in (args.get("service_code") or "").split(",") if code]
    if codes:
        query = query.where(
            Thread.category_id.in_(select(Category.id).where(Category.code.in_(codes)))
        )
    statuses = [s for s in (args.get("status") or "").split(",") if s]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status must be open or closed")
    if statuses == ["open"]:
        query = query.where(Thread.status.in_(OPEN))
    elif statuses == ["closed"]:
        query = query.where(Thread.status.not_in(OPEN))
    end = _parse_date(args.get("end_date"), "end_date") or utcnow()
    start = _parse_date(args.get("start_date"), "start_date") or end - DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, "start_date must be before end_date")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "the date range may span at most 90 days")
    query = query.where(Thread.created_at >= start, Thread.created_at <= end)
    page, size = _page(args)
    return db.session.scalars(query.limit(size).offset((page - 1) * size)).all()


def _page(args: dict[str, str]) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = args.get(name)
        if raw in (None, ""):
            return default
        # The length first: int() refuses strings of more than 4,300 digits (a 500).
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
            raise Open311Error(400, f"{name} must be a whole number from 1 to 999999")
        return int(raw)

    return number("page", 1), min(number("page_size", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)


def one_request(request_id: str) -> Thread:
    thread = None
    if request_id.isascii() and request_id.isdigit() and len(request_id) < 10:
        thread = db.session.scalar(_published_threads().where(Thread.id == int(request_id)))
    if thread is None:
        raise Open311Error(404, "no such service request")
    return thread


def request_for_token(token: str) -> ClientReport:
    report = None
    if len(token) <= 40 and is_storable(token):
        report = db.session.scalar(select(ClientReport).where(ClientReport.token == token))
    if report is None:
        raise Open311Error(404, "no such token")
    return report


def requests_json(threads: Sequence[Thread], base_url: str) -> list[dict[str, Any]]:
    """Service requests in the specification's fields: three queries whatever their number
    (latest status notes, latest visible replies, latest status changes)."""
    ids = [thread.id for thread in threads]
    if not ids:
        return []
    latest_note = (
        select(func.max(StatusChange.id))
        .where(StatusChange.thread_id.in_(ids), StatusChange.note.is_not(None))
        .group_by(StatusChange.thread_id)
    )
    notes = dict(
        db.session.execute(
            select(StatusChange.thread_id, StatusChange.note).where(
                StatusChange.id.in_(latest_note)
            )
        ).all()
    )
    replied = dict(
        db.session.execute(
            select(Reply.thread_id, func.max(Reply.created_at))
            .where(Reply.thread_id.in_(ids), Reply.hidden_at.is_(None))
            .group_by(Reply.thread_id)
        ).all()
    )
    changed = dict(
        db.session.execute(
            select(StatusChange.thread_id, func.max(StatusChange.created_at))
            .where(StatusChange.thread_id.in_(ids))
            .group_by(StatusChange.thread_id)
        ).all()
    )
    return [
        _request_json(
            thread, base_url, notes.get(thread.id), replied.get(thread.id), changed.get(thread.id)
        )
        for thread in threads
    ]


def _request_json(
    thread: Thread,
    base_url: str,
    note: str | None,
    last_reply: datetime | None,
    last_change: datetime | None,
) -> dict[str, Any]:
    moments = [as_utc(m) for m in (thread.created_at, last_reply, last_change) if m]
    return {
        "service_request_id": str(thread.id),
        "status": "open" if thread.status in OPEN else "closed",
        "status_notes": note,
        "service_name": thread.category.name if thread.category else None,
        "service_code": thread.category.code if thread.category else None,
        "description": thread.body,
        "agency_responsible": thread.commune.name,
        "service_notice": None,
        "requested_datetime": iso(thread.created_at),
        "updated_datetime": iso(max(moments)),
        "expected_datetime": None,
        "address": thread.address,
        "address_id": None,
        "zipcode": None,
        "lat": thread.latitude,
        "long": thread.longitude,
        "media_url": f"{base_url}/photos/{thread.photo_name}" if thread.photo_name else None,
    }


def iso(moment: datetime) -> str:
    """ISO 8601 with the time zone, as GeoReport v2 asks."""
    return as_utc(moment).replace(microsecond=0).isoformat()
