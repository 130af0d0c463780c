"""GeoReport v2 over our data: categories are services, report threads are requests."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, raiseload

from app.accounts.models import Account
from app.communes.models import Commune
from app.extensions import db
from app.models_base import as_utc, utcnow
from app.open311.models import ApiClient, ClientReport
from app.open311.schemas import (
    ClientName,
    Open311Error,
    RequestFilters,
    RequestIds,
    ServiceRequest,
    load,
)
from app.parsing import InvalidValue, parse_id
from app.schema.load import Check
from app.schema.text import is_storable
from app.signals import thread_created
from app.threads.models import Category, Reply, StatusChange, Thread

OPEN = ("new", "acknowledged", "in_progress")
DEFAULT_WINDOW = timedelta(days=90)
CLIENT_NAME = Check(ClientName, "name")


# --- clients -------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def issue_client(name: object, admin: Account) -> tuple[ApiClient, str]:
    """A new client and its key (shown once; only the hash is kept)."""
    clean = CLIENT_NAME.clean(name)
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


@dataclass(frozen=True)
class Filed:
    thread: Thread
    token: str


def file_request(commune: Commune, client: ApiClient, form: dict[str, str]) -> Filed:
    """Create a public report thread from an Open311 client (not committed)."""
    category = service(commune, form.get("service_code") or None)
    filing = load(ServiceRequest, form)
    thread = Thread(
        commune_id=commune.id,
        author=None,
        kind="report",
        title=category.name,
        body=filing.description,
        visibility="public",
        status="new",
        category=category,
        latitude=filing.lat,
        longitude=filing.long,
        address=filing.address_string,
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


def find_requests(commune: Commune | None, args: dict[str, str]) -> Sequence[Thread]:
    """``GET requests`` with the specification's filters and the page extension."""
    query = _published_threads().order_by(Thread.id.desc())
    if commune is not None:
        query = query.where(Thread.commune_id == commune.id)
    ids = load(RequestIds, args).service_request_id
    if ids:
        # The specification: with ids, every other parameter is ignored.
        return db.session.scalars(query.where(Thread.id.in_(ids))).all()
    filters = load(RequestFilters, args)
    if filters.service_code:
        query = query.where(
            Thread.category_id.in_(
                select(Category.id).where(Category.code.in_(filters.service_code))
            )
        )
    if filters.status == ["open"]:
        query = query.where(Thread.status.in_(OPEN))
    elif filters.status == ["closed"]:
        query = query.where(Thread.status.not_in(OPEN))
    end = filters.end_date or utcnow()
    start = filters.start_date or end - DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, "start_date must be before end_date")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "the date range may span at most 90 days")
    query = query.where(Thread.created_at >= start, Thread.created_at <= end)
    page, size = filters.page_and_size()
    return db.session.scalars(query.limit(size).offset((page - 1) * size)).all()


def one_request(request_id: str) -> Thread:
    try:
        thread_id = parse_id(request_id, "service_request_id")
    except InvalidValue:
        raise Open311Error(404, "no such service request") from None
    thread = db.session.scalar(_published_threads().where(Thread.id == thread_id))
    if thread is None:
        raise Open311Error(404, "no such service request")
    return thread


def published_photo(name: str) -> str:
    """The storage name of a published report's photo, or a 404 when no published report has
    it (a private post, a hidden one, a question, a commune that does not publish)."""
    thread = None
    if len(name) <= 64 and is_storable(name):
        thread = db.session.scalar(_published_threads().where(Thread.photo_name == name))
    if thread is None or thread.photo_name is None:
        raise Open311Error(404, "no such media")
    return thread.photo_name


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
        # The group's own photo address needs a member's session: Open311's is public, for
        # as long as the report stays published.
        "media_url": f"{base_url}/open311/v2/media/{thread.photo_name}"
        if thread.photo_name
        else None,
    }


def iso(moment: datetime) -> str:
    """ISO 8601 with the time zone, as GeoReport v2 asks."""
    return as_utc(moment).replace(microsecond=0).isoformat()
