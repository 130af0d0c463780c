"""Who may call what: every route of the app, declared once, with each caller's exact status.

``test_matrix.py`` sends each case of each route as each caller of ``world.CALLERS`` (the world
is ``world.py``: commune A in An Giang, commune B in Cà Mau) and compares the status with the one
declared here. A refused write must leave every table's row count unchanged; a successful one
must change its ``effect``; the world is restored after every success.

How to declare a new route (``test_every_route_is_declared`` fails until you do):

1. Add ``route("METHOD", "/the/<rule>", outcome(...))`` to ``ROUTES`` below, next to its
   neighbours, with the rule exactly as ``app.url_map`` spells it (``flask routes``).
2. Give every caller's status with ``outcome(anonymous=..., others=..., caller=...)`` and the
   groups (``**each(MEMBERS_A, 200)``): API routes answer 401 to anonymous callers, pages 302 to
   the sign-in page; a commune one is not a member of is 403; a thread, reply, canned reply or
   category of A that one may not see is 404 (its existence leaks nothing).
3. The rule's parameters are filled from ``DEFAULT_VALUES`` (objects of commune A in the world);
   another object is ``values={"thread_id": "{private}"}``. New objects go in ``world.build``.
4. A write sends ``json=`` or ``form=`` (a dict, or a function of the caller and the world's
   ids); name what a success changes with ``effect=rows(Model, ...)`` (and ``adds=1`` when each
   success adds exactly one row). One route may have several cases (``route(..., case(...),
   case(...))``): a private thread, another object, a query string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from app.accountability.models import DayOff
from app.announcements.models import Announcement
from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from app.membership.models import Invitation, Membership
from app.open311.models import ApiClient
from app.threads.models import Flag, Reply, StatusChange, Thread, ThreadFollower, ThreadNote
from app.workspace.models import CannedReply
from tests.authorization.world import CALLERS

# What a request that did its work answers (303: a page's form, then Post/Redirect/Get).
SUCCESS = frozenset({200, 201, 204, 303})

RESIDENTS_A = ("author", "resident_a2")
MEMBERS_A = (*RESIDENTS_A, "official_a")
ADMINS_OF_A = ("admin", "admin_area")  # national, and An Giang's
ADMINS = (*ADMINS_OF_A, "admin_elsewhere")
OFFICIALS = ("official_a", "official_b")
SIGNED_IN = tuple(caller for caller in CALLERS if caller != "anonymous")

Payload = Mapping[str, Any] | Callable[[str, Mapping[str, Any]], Mapping[str, Any]] | None
Effect = Callable[[Mapping[str, Any]], int]  # of the world's ids


def outcome(*, anonymous: int, others: int, **callers: int) -> dict[str, int]:
    """Everyone gets ``others`` except the anonymous caller and the callers named."""
    table = dict.fromkeys(CALLERS, others)
    table["anonymous"] = anonymous
    for caller, status in callers.items():
        assert caller in CALLERS, caller
        table[caller] = status
    return table


def each(callers: tuple[str, ...], status: int) -> dict[str, int]:
    return dict.fromkeys(callers, status)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def rows(model: type, *where: Any, **columns: str) -> Effect:
    """The committed rows of ``model`` (a fresh connection, outside the test's session);
    ``columns`` ask for a column to equal one of the world's ids (``thread_id="public"``)."""

    def count(ids: Mapping[str, Any]) -> int:
        clauses = [*where, *(getattr(model, name) == ids[key] for name, key in columns.items())]
        with db.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model).where(*clauses))

    return count


def audit(action: str) -> Effect:
    return rows(AuditEvent, AuditEvent.action == action)


BLOCKED = rows(Membership, Membership.posting_blocked.is_(True))


@dataclass(frozen=True)
class Case:
    """One request to a route, and the status each caller gets."""

    expected: Mapping[str, int]
    name: str = ""
    values: Mapping[str, str] = field(default_factory=dict)  # rule parameter -> "{id name}"
    query: str = ""
    json: Payload = None
    form: Payload = None
    data: str | None = None
    content_type: str | None = None
    # What each success changes (a refused request must leave it, and every count, as it was).
    effect: Effect | None = field(default=None, compare=False)
    adds: int | None = None  # exact change per success; None: "changes"


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    cases: tuple[Case, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.rule)


def case(expected: Mapping[str, int], name: str = "", **kwargs: Any) -> Case:
    return Case(expected=expected, name=name, **kwargs)


def route(method: str, rule: str, *cases: Case | Mapping[str, int], **kwargs: Any) -> Route:
    """One route: either its single outcome (and the case's keywords), or several cases."""
    made = tuple(c if isinstance(c, Case) else Case(expected=c, **kwargs) for c in cases)
    assert not (kwargs and len(made) > 1), "keywords go inside case() when there are several"
    return Route(method, rule, made)


# How a rule's parameters are filled unless a case says otherwise: commune A's objects.
DEFAULT_VALUES = {
    "slug": "xa-a",
    "thread_id": "{public}",
    "reply_id": "{reply}",
    "announcement_id": "{announcement}",
    "canned_id": "{canned}",
    "category_id": "{category}",
    "member_id": "{author_id}",
    "account_id": "{official_a_id}",
    "invitation_id": "{invitation}",
    "client_id": "{api_client}",
    "token": "{invite_token}",
    "name": "{photo}",
    "kind": "thread",
    "post_id": "{hidden}",
    "fmt": "json",
    "request_id": "{public}",
    "code": "en",
}

PROVINCE_A = {"code": "91"}

# --- shapes --------------------------------------------------------------------------------


def api_admin_only(ok: int, *, elsewhere: int = 403) -> dict[str, int]:
    """An admin route of the JSON API about commune A (or everything)."""
    return outcome(anonymous=401, others=403, **each(ADMINS_OF_A, ok), admin_elsewhere=elsewhere)


def page_admin_only(ok: int, *, elsewhere: int = 403) -> dict[str, int]:
    return outcome(anonymous=302, others=403, **each(ADMINS_OF_A, ok), admin_elsewhere=elsewhere)


def officials_only(ok: int, *, anonymous: int = 401) -> dict[str, int]:
    """A route on commune A itself: its officials only; everyone else is forbidden."""
    return outcome(anonymous=anonymous, others=403, official_a=ok)


def on_a_thing(ok: int, *, anonymous: int = 401, **callers: int) -> dict[str, int]:
    """A route on a thread/reply/canned reply/category of A: outsiders do not see it (404),
    members of A who see it but are not officials are forbidden (403)."""
    table = outcome(anonymous=anonymous, others=404, official_a=ok, **each(RESIDENTS_A, 403))
    table.update(callers)
    return table


def page_on_a_thing(ok: int, **callers: int) -> dict[str, int]:
    return on_a_thing(ok, anonymous=302, **callers)


def members_of_a(ok: int, *, anonymous: int = 401, others: int = 403) -> dict[str, int]:
    return outcome(anonymous=anonymous, others=others, **each(MEMBERS_A, ok))


def author_and_official(ok: int, *, anonymous: int = 401) -> dict[str, int]:
    return outcome(anonymous=anonymous, others=404, author=ok, official_a=ok)


def staff_of_a(ok: int, *, anonymous: int = 401) -> dict[str, int]:
    """A commune's board and figures: its officials and the admins whose area holds it; to an
    admin of another area the commune does not exist (404)."""
    return outcome(
        anonymous=anonymous, others=403, official_a=ok, **each(ADMINS_OF_A, ok), admin_elsewhere=404
    )


def national_only(ok: int) -> dict[str, int]:
    """Open311 API keys: the national admin only (an area's admin is forbidden too)."""
    return outcome(anonymous=401, others=403, admin=ok)


def own_account(status: int, *, anonymous: int) -> dict[str, int]:
    """A staff account's own security settings: residents are forbidden."""
    return outcome(
        anonymous=anonymous, others=403, **each(OFFICIALS, status), **each(ADMINS, status)
    )


# --- payloads ------------------------------------------------------------------------------

ASK = {"kind": "report", "title": "Ổ gà", "body": "Ổ gà trước chợ.", "visibility": "public"}
ANNOUNCE = {"title": "Cúp nước", "body": "Sáng mai cúp nước từ 8 giờ."}
REPLY = {"body": "Cảm ơn, chúng tôi sẽ kiểm tra."}
ACK = {"status": "acknowledged", "note": "Đã tiếp nhận."}
REASON = {"reason": "Không phù hợp"}
NOTE = {"body": "Ghi chú nội bộ"}
CANNED = {"title": "Mẫu mới", "body": "Nội dung mẫu"}
INVITE = {"email": "new@example.vn", "communes": ["xa-a"]}
CSV = "code,name,district,province\n90001,Xã Mới,,\n"


def new_commune(caller: str, _ids: Mapping[str, Any]) -> dict[str, str]:
    return {"slug": f"moi-{caller.replace('_', '-')}", "name": f"Xã mới ({caller})"}


THREADS_OF_A = rows(Thread, commune_id="commune_a")
ANNOUNCEMENTS = rows(Announcement)
COMMUNES = rows(Commune)
FLAGS = rows(Flag)
FOLLOWERS = rows(ThreadFollower)
NOTES = rows(ThreadNote)
CANNED_REPLIES = rows(CannedReply)


def replies_to(key: str) -> Effect:
    return rows(Reply, thread_id=key)


def changes_of(key: str) -> Effect:
    return rows(StatusChange, thread_id=key)


def assign_to_official(_caller: str, ids: Mapping[str, Any]) -> dict[str, Any]:
    return {"assignee": ids["official_a_id"]}


def to_category(_caller: str, ids: Mapping[str, Any]) -> dict[str, Any]:
    return {"category": ids["category"]}


# --- the declarations, in the order of the URL map ----------------------------------------

ROUTES: list[Route] = [
    # Pages anyone may open.
    route("GET", "/", everyone(200)),
    route("GET", "/login", everyone(200)),
    route("POST", "/login", everyone(401), form={}),
    route("POST", "/login/code", everyone(303), form={}),
    route("POST", "/logout", everyone(303), form={}),
    route("GET", "/lang/<code>", everyone(303)),
    route("GET", "/manifest.webmanifest", everyone(200)),
    route("GET", "/offline", everyone(200)),
    route("GET", "/sw.js", everyone(200)),
    route(
        "GET",
        "/assets/<digest>/<path:filename>",
        everyone(200),
        values={"digest": "0", "filename": "app.css"},
    ),
    # Any staff account, about itself (residents get 403).
    route(
        "GET",
        "/account/security",
        own_account(200, anonymous=302),
    ),
    # 401: setting up a second factor asks for the password again.
    route(
        "POST",
        "/account/security/setup",
        own_account(401, anonymous=302),
        form={},
    ),
    route(
        "POST",
        "/account/security/confirm",
        own_account(303, anonymous=302),
        form={},
    ),
    # 409: no second factor to turn off (authorized, nothing to do).
    route(
        "POST",
        "/account/security/disable",
        own_account(409, anonymous=302),
        form={},
    ),
    route(
        "POST",
        "/account/security/sign-out-others",
        own_account(303, anonymous=302),
        form={},
    ),
    route("GET", "/account/password", own_account(200, anonymous=302)),
    # 401: an empty form is a wrong current password (authorized, nothing changed).
    route("POST", "/account/password", own_account(401, anonymous=302), form={}),
    # A reset link is its own key: an unknown one is 404 to everyone.
    route("GET", "/password-reset/<token>", everyone(404), values={"token": "unknown"}),
    route("POST", "/password-reset/<token>", everyone(404), values={"token": "unknown"}, form={}),
    # The admin console.
    route(
        "GET",
        "/admin",
        outcome(anonymous=302, others=403, **each(OFFICIALS, 200), **each(ADMINS, 200)),
    ),
    route("GET", "/admin/boards.pdf", page_admin_only(200, elsewhere=200)),
    route("GET", "/admin/boards", page_admin_only(200, elsewhere=200)),
    route(
        "POST",
        "/admin/communes",
        page_admin_only(303, elsewhere=303),
        form=new_commune,
        effect=COMMUNES,
        adds=1,
    ),
    route("GET", "/admin/communes/<slug>", page_admin_only(200, elsewhere=404)),
    route(
        "POST",
        "/admin/communes/<slug>",
        page_admin_only(303, elsewhere=404),
        form={"name": "Xã A", "code": "", "district": "", "province": ""},
    ),
    route(
        "POST",
        "/admin/communes/<slug>/officials/<id:account_id>/revoke",
        page_admin_only(303, elsewhere=404),
        form={},
    ),
    # 201: the page showing the one-time link, once.
    route(
        "POST",
        "/admin/communes/<slug>/officials/<id:account_id>/password-reset",
        page_admin_only(201, elsewhere=404),
        form={},
    ),
    route(
        "POST",
        "/admin/communes/<slug>/officials/<id:account_id>/second-factor/reset",
        # 409: the official has no second factor to reset (authorized, nothing to do).
        page_admin_only(409, elsewhere=404),
        form={},
    ),
    route("POST", "/admin/communes/<slug>/open311", page_admin_only(303, elsewhere=404), form={}),
    route(
        "POST", "/admin/communes/<slug>/rotate-token", page_admin_only(303, elsewhere=404), form={}
    ),
    route("GET", "/admin/import", page_admin_only(200, elsewhere=200)),
    route("POST", "/admin/import", page_admin_only(200, elsewhere=200), form={"csv": CSV}),
    route("GET", "/admin/invites", page_admin_only(200, elsewhere=200)),
    route(
        "POST",
        "/admin/invites",
        # An admin of another area names a commune outside it: a validation error (422).
        page_admin_only(201, elsewhere=422),
        form={"email": "new@example.vn", "communes": "xa-a"},
        effect=rows(Invitation),
        adds=1,
    ),
    route(
        "POST",
        "/admin/invites/<id:invitation_id>/revoke",
        page_admin_only(303, elsewhere=404),
        form={},
    ),
    route("GET", "/admin/stats", page_admin_only(200, elsewhere=200)),
    route("GET", "/admin/overdue", page_admin_only(200, elsewhere=200)),
    # Days off: national admins and the province's own (A's province is 91, An Giang).
    route("GET", "/admin/days-off", page_admin_only(200, elsewhere=200)),
    route("GET", "/admin/provinces/<code>/days-off", page_admin_only(200), values=PROVINCE_A),
    route(
        "POST",
        "/admin/provinces/<code>/days-off",
        page_admin_only(303),
        values=PROVINCE_A,
        form={"day": "2027-03-10", "name": "Bão số 3"},
        effect=rows(DayOff),
    ),
    route(
        "POST",
        "/admin/provinces/<code>/days-off/<day>/delete",
        page_admin_only(303),
        values={**PROVINCE_A, "day": "{day_off}"},
        form={},
        effect=rows(DayOff),
    ),
    route("GET", "/api/v1/provinces/<code>/days-off", api_admin_only(200), values=PROVINCE_A),
    route(
        "POST",
        "/api/v1/provinces/<code>/days-off",
        api_admin_only(201),
        values=PROVINCE_A,
        json={"day": "2027-03-10", "name": "Bão số 3"},
        effect=rows(DayOff),
    ),
    route(
        "DELETE",
        "/api/v1/provinces/<code>/days-off/<day>",
        api_admin_only(200),
        values={**PROVINCE_A, "day": "{day_off}"},
        effect=rows(DayOff),
    ),
    route("GET", "/admin/stats.csv", page_admin_only(200, elsewhere=200)),
    # JSON API: accounts and the session.
    route("GET", "/api/v1/me", everyone(200)),
    route("DELETE", "/api/v1/me", outcome(anonymous=401, others=204)),
    route("GET", "/api/v1/me/export", outcome(anonymous=401, others=200)),
    # A resident's own codes for a new phone; staff sign in with their password (403).
    route(
        "POST",
        "/api/v1/me/transfer",
        outcome(anonymous=401, others=403, **each(RESIDENTS_A, 201), resident_b=201),
        json={},
    ),
    route(
        "POST",
        "/api/v1/me/recovery-code",
        outcome(anonymous=401, others=403, **each(RESIDENTS_A, 201), resident_b=201),
        json={},
    ),
    # A code is its own key: an unknown one is 401 to everyone.
    route("POST", "/api/v1/transfer", everyone(401), json={"code": "ABCD-EFGH"}),
    route("POST", "/api/v1/auth/login", everyone(401), json={}),
    route("POST", "/api/v1/auth/logout", everyone(204)),
    route("POST", "/api/v1/auth/logout-others", outcome(anonymous=401, others=204), json={}),
    route("POST", "/api/v1/auth/password", outcome(anonymous=401, others=401), json={}),
    route(
        "POST",
        "/api/v1/auth/totp/setup",
        own_account(401, anonymous=401),
        json={},
    ),
    route(
        "POST",
        "/api/v1/auth/totp/confirm",
        own_account(409, anonymous=401),
        json={},
    ),
    route(
        "POST",
        "/api/v1/auth/totp/disable",
        own_account(409, anonymous=401),
        json={},
    ),
    route(
        "DELETE",
        "/api/v1/accounts/<id:account_id>/second-factor",
        api_admin_only(409, elsewhere=404),
    ),
    route("POST", "/api/v1/join", everyone(404), json={}),
    route("POST", "/api/v1/invites/<token>/accept", everyone(422), json={}),
    # JSON API: communes (admins).
    route(
        "GET",
        "/api/v1/communes",
        outcome(anonymous=401, others=403, **each(OFFICIALS, 200), **each(ADMINS, 200)),
    ),
    route(
        "POST",
        "/api/v1/communes",
        api_admin_only(201, elsewhere=201),
        json=new_commune,
        effect=COMMUNES,
        adds=1,
    ),
    route(
        "PATCH",
        "/api/v1/communes/<slug>",
        api_admin_only(200, elsewhere=404),
        json={"district": "Huyện X"},
    ),
    route(
        "POST",
        "/api/v1/communes/import",
        api_admin_only(200, elsewhere=200),
        data=CSV,
        content_type="text/csv",
    ),
    route("POST", "/api/v1/communes/<slug>/rotate-token", api_admin_only(200, elsewhere=404)),
    route("GET", "/api/v1/communes/<slug>/officials", api_admin_only(200, elsewhere=404)),
    route(
        "DELETE",
        "/api/v1/communes/<slug>/officials/<id:account_id>",
        api_admin_only(204, elsewhere=404),
    ),
    route("DELETE", "/api/v1/officials/<id:account_id>", api_admin_only(200, elsewhere=404)),
    route(
        "POST",
        "/api/v1/invites",
        api_admin_only(201, elsewhere=422),
        json=INVITE,
        effect=rows(Invitation),
        adds=1,
    ),
    route("GET", "/api/v1/invites", api_admin_only(200, elsewhere=200)),
    route("DELETE", "/api/v1/invites/<id:invitation_id>", api_admin_only(204, elsewhere=404)),
    route("GET", "/api/v1/stats", api_admin_only(200, elsewhere=200)),
    route("GET", "/api/v1/communes/<slug>/stats", staff_of_a(200)),
    route("GET", "/api/v1/communes/<slug>/stats/public", everyone(200)),
    # Issue 14: the public accountability figures (An Giang, 91, is commune A's province).
    route("GET", "/api/v1/communes/<slug>/accountability", everyone(200)),
    route("GET", "/api/v1/provinces/<code>/accountability", everyone(200), values={"code": "91"}),
    route(
        "POST",
        "/api/v1/open311/clients",
        national_only(201),
        json={"name": "Ứng dụng"},
        effect=rows(ApiClient),
        adds=1,
    ),
    route("GET", "/api/v1/open311/clients", national_only(200)),
    route("DELETE", "/api/v1/open311/clients/<id:client_id>", national_only(204)),
    route("GET", "/api/v1/openapi.json", everyone(200)),
    route("GET", "/api/v1/push/key", everyone(200)),
    route("POST", "/api/v1/push/subscriptions", outcome(anonymous=401, others=422), json={}),
    route("DELETE", "/api/v1/push/subscriptions", outcome(anonymous=401, others=422), json={}),
    route(
        "GET",
        "/api/v1/audit",
        case(outcome(anonymous=401, others=403, **each(OFFICIALS, 200), **each(ADMINS, 200))),
        case(
            outcome(
                anonymous=401,
                others=403,
                official_a=200,
                **each(ADMINS_OF_A, 200),
                admin_elsewhere=404,
            ),
            "of A",
            query="commune=xa-a",
        ),
    ),
    # JSON API: a commune's members.
    route("GET", "/api/v1/communes/<slug>/threads", members_of_a(200)),
    route(
        "POST",
        "/api/v1/communes/<slug>/threads",
        members_of_a(201),
        json=ASK,
        effect=THREADS_OF_A,
        adds=1,
    ),
    route("GET", "/api/v1/communes/<slug>/announcements", members_of_a(200)),
    route(
        "POST",
        "/api/v1/communes/<slug>/announcements",
        officials_only(201),
        json=ANNOUNCE,
        effect=ANNOUNCEMENTS,
        adds=1,
    ),
    route("GET", "/api/v1/announcements/<id:announcement_id>", members_of_a(200)),
    route(
        "PATCH",
        "/api/v1/announcements/<id:announcement_id>",
        officials_only(200),
        json={"pinned": True},
        effect=audit("announcement.edit"),
    ),
    route(
        "GET",
        "/api/v1/communes/<slug>/categories",
        case(members_of_a(200)),
        case(members_of_a(200), "with archived", query="archived=1"),
    ),
    route("POST", "/api/v1/communes/<slug>/categories", officials_only(201), json={"name": "Mới"}),
    route("PATCH", "/api/v1/categories/<id:category_id>", on_a_thing(200), json={"name": "Đổi"}),
    route("GET", "/api/v1/communes/<slug>/similar", members_of_a(200), query="q=đèn đường"),
    route("DELETE", "/api/v1/communes/<slug>/membership", members_of_a(204)),
    route("GET", "/api/v1/communes/<slug>/notifications", members_of_a(200)),
    route("PUT", "/api/v1/communes/<slug>/notifications", members_of_a(200), json={}),
    # JSON API: a commune's officials.
    route(
        "GET",
        "/api/v1/inbox",
        case(outcome(anonymous=401, others=403, **each(OFFICIALS, 200))),
        case(officials_only(200), "of A", query="commune=xa-a"),
        case(officials_only(200), "search in A", query="commune=xa-a&q=đèn"),
    ),
    route("GET", "/api/v1/communes/<slug>/assignees", officials_only(200)),
    route("GET", "/api/v1/communes/<slug>/canned-replies", officials_only(200)),
    route(
        "POST",
        "/api/v1/communes/<slug>/canned-replies",
        officials_only(201),
        json=CANNED,
        effect=CANNED_REPLIES,
    ),
    route("PATCH", "/api/v1/canned-replies/<id:canned_id>", on_a_thing(200), json=CANNED),
    route(
        "DELETE", "/api/v1/canned-replies/<id:canned_id>", on_a_thing(204), effect=CANNED_REPLIES
    ),
    route("GET", "/api/v1/communes/<slug>/flags", officials_only(200)),
    route("GET", "/api/v1/communes/<slug>/members", officials_only(200)),
    route(
        "PUT",
        "/api/v1/communes/<slug>/members/<id:member_id>/block",
        officials_only(200),
        json=REASON,
        effect=BLOCKED,
    ),
    route(
        "DELETE",
        "/api/v1/communes/<slug>/members/<id:member_id>/block",
        officials_only(200),
        values={"member_id": "{blocked_id}"},
        effect=BLOCKED,
    ),
    # JSON API: threads and replies.
    route(
        "GET",
        "/api/v1/threads/<id:thread_id>",
        case(members_of_a(200, others=404), "public"),
        case(author_and_official(200), "private", values={"thread_id": "{private}"}),
    ),
    route(
        "PATCH",
        "/api/v1/threads/<id:thread_id>",
        case(
            outcome(anonymous=401, others=404, author=403, resident_a2=403, official_a=200),
            "public",
            json=ACK,
            effect=changes_of("public"),
            adds=1,
        ),
        # The author sees the thread, so is told "forbidden"; others do not even see it.
        case(
            outcome(anonymous=401, others=404, author=403, official_a=200),
            "private",
            values={"thread_id": "{private}"},
            json=ACK,
            effect=changes_of("private"),
            adds=1,
        ),
    ),
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/replies",
        case(
            members_of_a(201, others=404), "public", json=REPLY, effect=replies_to("public"), adds=1
        ),
        case(
            author_and_official(201),
            "private",
            values={"thread_id": "{private}"},
            json=REPLY,
            effect=replies_to("private"),
            adds=1,
        ),
    ),
    route(
        "GET",
        "/api/v1/threads/<id:thread_id>/notes",
        case(on_a_thing(200), "public"),
        case(on_a_thing(200, resident_a2=404), "private", values={"thread_id": "{private}"}),
    ),
    route("POST", "/api/v1/threads/<id:thread_id>/notes", on_a_thing(201), json=NOTE, effect=NOTES),
    route(
        "PUT",
        "/api/v1/threads/<id:thread_id>/assignee",
        on_a_thing(200),
        json=assign_to_official,
        effect=audit("thread.assign"),
    ),
    route(
        "PUT",
        "/api/v1/threads/<id:thread_id>/category",
        on_a_thing(200),
        json=to_category,
        effect=audit("thread.category"),
    ),
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/hide",
        on_a_thing(200),
        json=REASON,
        effect=audit("thread.hide"),
    ),
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/restore",
        on_a_thing(200, resident_a2=404),
        values={"thread_id": "{hidden}"},
        effect=audit("thread.restore"),
    ),
    route(
        "POST",
        "/api/v1/replies/<id:reply_id>/hide",
        on_a_thing(200),
        json=REASON,
        effect=audit("reply.hide"),
    ),
    route(
        "POST",
        "/api/v1/replies/<id:reply_id>/restore",
        on_a_thing(200, author=404),
        values={"reply_id": "{hidden_reply}"},
        effect=audit("reply.restore"),
    ),
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/flag",
        outcome(anonymous=401, others=404, author=422, resident_a2=201, official_a=403),
        json=REASON,
        effect=FLAGS,
    ),
    route(
        "POST",
        "/api/v1/replies/<id:reply_id>/flag",
        outcome(anonymous=401, others=404, author=201, resident_a2=422, official_a=403),
        effect=FLAGS,
    ),
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/follow",
        case(members_of_a(201, others=404), "public", effect=FOLLOWERS),
        case(
            author_and_official(201), "private", values={"thread_id": "{private}"}, effect=FOLLOWERS
        ),
    ),
    route("DELETE", "/api/v1/threads/<id:thread_id>/follow", members_of_a(204, others=404)),
    route(
        "PUT",
        "/api/v1/threads/<id:thread_id>/urgent",
        on_a_thing(200),
        json={"urgent": True},
        effect=audit("thread.urgent"),
    ),
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/duplicate-of",
        on_a_thing(200),
        json=lambda _caller, ids: {"thread_id": ids["private"]},
        effect=audit("thread.duplicate"),
    ),
    # Issue 14: "is it fixed?" is the author's alone; "me too" any member's on a public thread.
    route(
        "POST",
        "/api/v1/threads/<id:thread_id>/confirmation",
        # 422: the world's thread is not resolved (authorized, nothing to confirm yet).
        outcome(anonymous=401, others=404, author=422, resident_a2=403, official_a=403),
        json={"fixed": True},
    ),
    route("POST", "/api/v1/threads/<id:thread_id>/support", members_of_a(201, others=404), json={}),
    route("DELETE", "/api/v1/threads/<id:thread_id>/support", members_of_a(200, others=404)),
    # Residents' pages.
    # 401: a signed-out resident gets the residents' page saying how to join, not the staff sign-in.
    route("GET", "/c/<slug>", members_of_a(200, anonymous=401)),
    route(
        "POST",
        "/c/<slug>/threads",
        members_of_a(303, anonymous=302),
        form=ASK,
        effect=THREADS_OF_A,
        adds=1,
    ),
    route(
        "POST",
        "/c/<slug>/announcements",
        officials_only(303, anonymous=302),
        form=ANNOUNCE,
        effect=ANNOUNCEMENTS,
        adds=1,
    ),
    route("GET", "/c/<slug>/inbox", officials_only(302, anonymous=302)),
    route("POST", "/c/<slug>/leave", members_of_a(303, anonymous=302), form={}),
    route("GET", "/c/<slug>/settings", members_of_a(200, anonymous=401)),
    route("POST", "/c/<slug>/settings", members_of_a(303, anonymous=302), form={}),
    route(
        "POST",
        "/c/<slug>/settings/transfer",
        outcome(anonymous=302, others=403, **each(RESIDENTS_A, 200)),
        form={},
    ),
    route(
        "POST",
        "/c/<slug>/settings/recovery",
        outcome(anonymous=302, others=403, **each(RESIDENTS_A, 200)),
        form={},
    ),
    route("GET", "/c/<slug>/stats", everyone(200)),
    route("GET", "/c/<slug>/accountability", everyone(200)),
    route("GET", "/provinces/<code>/accountability", everyone(200), values={"code": "91"}),
    route(
        "GET",
        "/t/<id:thread_id>",
        case(members_of_a(200, anonymous=401, others=404), "public"),
        case(author_and_official(200, anonymous=401), "private", values={"thread_id": "{private}"}),
    ),
    route(
        "POST",
        "/t/<id:thread_id>/confirmation",
        outcome(anonymous=302, others=404, author=422, resident_a2=403, official_a=403),
        form={"fixed": "1"},
    ),
    route(
        "POST", "/t/<id:thread_id>/support", members_of_a(303, anonymous=302, others=404), form={}
    ),
    route(
        "POST",
        "/t/<id:thread_id>/replies",
        case(
            members_of_a(303, anonymous=302, others=404),
            "public",
            form=REPLY,
            effect=replies_to("public"),
            adds=1,
        ),
        case(
            author_and_official(303, anonymous=302),
            "private",
            values={"thread_id": "{private}"},
            form=REPLY,
            effect=replies_to("private"),
            adds=1,
        ),
    ),
    route(
        "POST",
        "/t/<id:thread_id>/status",
        case(
            outcome(anonymous=302, others=404, author=403, resident_a2=403, official_a=303),
            "public",
            form=ACK,
            effect=changes_of("public"),
            adds=1,
        ),
        case(
            outcome(anonymous=302, others=404, author=403, official_a=303),
            "private",
            values={"thread_id": "{private}"},
            form=ACK,
            effect=changes_of("private"),
            adds=1,
        ),
    ),
    route("GET", "/photos/<name>", author_and_official(200, anonymous=401)),
    route("GET", "/photos/<name>/small", author_and_official(200, anonymous=401)),
    route(
        "GET", "/voice/<name>", author_and_official(200, anonymous=401), values={"name": "{voice}"}
    ),
    # Moving to a new phone: whoever holds the code.
    route("GET", "/transfer", everyone(200)),
    route("GET", "/transfer/<code>", everyone(200), values={"code": "ABCD-EFGH"}),
    route("POST", "/transfer", everyone(401), form={"code": "ABCD-EFGH"}),
    # A commune's board and figures.
    route("GET", "/communes/<slug>/board", staff_of_a(200)),
    route("GET", "/communes/<slug>/board.pdf", staff_of_a(200)),
    route("GET", "/communes/<slug>/board.png", staff_of_a(200)),
    route("GET", "/communes/<slug>/board.svg", staff_of_a(200)),
    route("GET", "/communes/<slug>/stats", staff_of_a(200, anonymous=302)),
    # Capabilities: whoever holds the link.
    route("GET", "/invite/<token>", everyone(200)),
    route("POST", "/invite/<token>", everyone(422), form={}),
    # The form to type a board's short code (a known code redirects to its join page).
    route("GET", "/j", everyone(200)),
    route("GET", "/j/<token>", everyone(200), values={"token": "{join_token}"}),
    route("POST", "/j/<token>", everyone(303), values={"token": "{join_token}"}, form={}),
    # Open311 (GeoReport v2).
    route("GET", "/open311/v2/discovery.<fmt>", everyone(200)),
    # 400: no jurisdiction_id; nobody is told apart by who they are.
    route("GET", "/open311/v2/services.<fmt>", everyone(400)),
    route("GET", "/open311/v2/services/<code>.<fmt>", everyone(400)),
    route("GET", "/open311/v2/requests.<fmt>", everyone(200)),
    # Without an api_key: refused (403) whoever is signed in.
    route("POST", "/open311/v2/requests.<fmt>", everyone(403), form={}),
    route("GET", "/open311/v2/requests/<request_id>.<fmt>", everyone(404)),
    route("GET", "/open311/v2/tokens/<token>.<fmt>", everyone(404)),
    # A published report's photo; an unknown name is a 404 whoever asks.
    route("GET", "/open311/v2/media/<name>", everyone(404)),
    # The officials' workspace.
    route("GET", "/w/", outcome(anonymous=302, others=403, **each(OFFICIALS, 200))),
    route("GET", "/w/<slug>", officials_only(200, anonymous=302)),
    route("GET", "/w/<slug>/announcements", officials_only(200, anonymous=302)),
    route(
        "POST",
        "/w/<slug>/announcements",
        officials_only(303, anonymous=302),
        form={"title": "Mới", "body": "Nội dung"},
    ),
    route(
        "POST",
        "/w/<slug>/announcements/<id:announcement_id>",
        officials_only(303, anonymous=302),
        form={"pinned": "1"},
        effect=audit("announcement.edit"),
    ),
    route("GET", "/w/<slug>/audit", officials_only(200, anonymous=302)),
    route("GET", "/w/<slug>/canned", officials_only(200, anonymous=302)),
    route("GET", "/w/<slug>/overdue", officials_only(200, anonymous=302)),
    route(
        "POST",
        "/w/<slug>/canned",
        officials_only(303, anonymous=302),
        form=CANNED,
        effect=CANNED_REPLIES,
    ),
    route("GET", "/w/<slug>/categories", officials_only(200, anonymous=302)),
    route("POST", "/w/<slug>/categories", officials_only(303, anonymous=302), form={"name": "Mới"}),
    route(
        "POST",
        "/w/<slug>/categories/<id:category_id>",
        officials_only(303, anonymous=302),
        form={"archived": "1"},
    ),
    route(
        "POST",
        "/w/<slug>/members/<id:member_id>/block",
        officials_only(303, anonymous=302),
        form=REASON,
        effect=BLOCKED,
    ),
    route(
        "POST",
        "/w/<slug>/members/<id:member_id>/unblock",
        officials_only(303, anonymous=302),
        values={"member_id": "{blocked_id}"},
        form={},
        effect=BLOCKED,
    ),
    route("GET", "/w/<slug>/moderation", officials_only(200, anonymous=302)),
    route(
        "POST",
        "/w/<slug>/moderation/<kind>/<id:post_id>",
        officials_only(303, anonymous=302),
        form={"decision": "restore"},
        effect=audit("thread.restore"),
    ),
    route("GET", "/w/<slug>/similar", members_of_a(200, anonymous=302), query="q=đèn"),
    route("POST", "/w/canned/<id:canned_id>", page_on_a_thing(303), form=CANNED),
    route(
        "POST",
        "/w/canned/<id:canned_id>/delete",
        page_on_a_thing(303),
        form={},
        effect=CANNED_REPLIES,
    ),
    route(
        "POST",
        "/w/r/<id:reply_id>/flag",
        outcome(anonymous=302, others=404, author=303, resident_a2=422, official_a=403),
        form={},
        effect=FLAGS,
    ),
    route(
        "POST",
        "/w/r/<id:reply_id>/hide",
        page_on_a_thing(303),
        form=REASON,
        effect=audit("reply.hide"),
    ),
    route(
        "POST",
        "/w/r/<id:reply_id>/restore",
        page_on_a_thing(303, author=404),
        values={"reply_id": "{hidden_reply}"},
        form={},
        effect=audit("reply.restore"),
    ),
    route(
        "GET",
        "/w/t/<id:thread_id>",
        case(page_on_a_thing(200), "public"),
        case(page_on_a_thing(200, resident_a2=404), "private", values={"thread_id": "{private}"}),
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/assignee",
        page_on_a_thing(303),
        form=lambda _caller, ids: {"assignee": str(ids["official_a_id"])},
        effect=audit("thread.assign"),
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/category",
        page_on_a_thing(303),
        form=lambda _caller, ids: {"category": str(ids["category"])},
        effect=audit("thread.category"),
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/urgent",
        page_on_a_thing(303),
        form={"urgent": "1"},
        effect=audit("thread.urgent"),
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/duplicate-of",
        page_on_a_thing(303),
        form=lambda _caller, ids: {"thread_id": str(ids["private"])},
        effect=audit("thread.duplicate"),
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/flag",
        outcome(anonymous=302, others=404, author=422, resident_a2=303, official_a=403),
        form={},
        effect=FLAGS,
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/follow",
        members_of_a(303, anonymous=302, others=404),
        form={},
        effect=FOLLOWERS,
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/unfollow",
        members_of_a(303, anonymous=302, others=404),
        form={},
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/hide",
        page_on_a_thing(303),
        form=REASON,
        effect=audit("thread.hide"),
    ),
    route(
        "POST",
        "/w/t/<id:thread_id>/restore",
        page_on_a_thing(303, resident_a2=404),
        values={"thread_id": "{hidden}"},
        form={},
        effect=audit("thread.restore"),
    ),
    route("POST", "/w/t/<id:thread_id>/notes", page_on_a_thing(303), form=NOTE, effect=NOTES),
    route("POST", "/w/t/<id:thread_id>/replies", page_on_a_thing(303), form={"body": "Trả lời"}),
    route(
        "POST",
        "/w/t/<id:thread_id>/status",
        page_on_a_thing(303),
        form={"status": "acknowledged"},
        effect=audit("thread.status"),
    ),
]

# Not part of the matrix: files anyone may fetch (the URL map's own rule).
UNDECLARED = frozenset({("GET", "/static/<path:filename>")})
DECLARED = {declared.key: declared for declared in ROUTES}
assert len(DECLARED) == len(ROUTES), "a route is declared twice"
