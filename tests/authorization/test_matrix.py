"""The authorization matrix: every route of the URL map, every kind of caller, exact statuses.

The declarations are in ``declarations.py`` (with how to add a route), the world in
``world.py``. Callers who are refused go first; after each success the world is restored.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from tests.authorization.declarations import (
    DECLARED,
    DEFAULT_VALUES,
    ROUTES,
    SUCCESS,
    UNDECLARED,
    Case,
    Route,
)
from tests.authorization.world import CALLERS, World

DECLARATIONS = "tests/authorization/declarations.py"


def url_map_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_is_declared(session_app: Flask) -> None:
    routes = url_map_routes(session_app) - UNDECLARED
    missing = sorted(routes - DECLARED.keys())
    assert not missing, (
        f"routes without a declaration: {missing}. Declare who may call each in ROUTES of "
        f"{DECLARATIONS} (its docstring says how)."
    )
    stale = sorted(DECLARED.keys() - routes)
    assert not stale, f"{DECLARATIONS} declares routes that no longer exist: {stale}"


def fill(rule: str, case: Case, ids: dict[str, Any]) -> str:
    """The rule with its parameters filled (``<id:thread_id>`` -> the public thread's id)."""
    values = {**DEFAULT_VALUES, **case.values}

    def value(match: re.Match[str]) -> str:
        return values[match.group(1)].format_map(ids)

    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", value, rule)
    return f"{path}?{case.query}" if case.query else path


def _payload(payload: Any, caller: str, ids: dict[str, Any]) -> Any:
    return payload(caller, ids) if callable(payload) else payload


def send(world: World, route: Route, case: Case, caller: str) -> Any:
    kwargs: dict[str, Any] = {}
    if case.json is not None:
        kwargs["json"] = _payload(case.json, caller, world.ids)
    if case.form is not None:
        kwargs["data"] = _payload(case.form, caller, world.ids)
    if case.data is not None:
        kwargs["data"] = case.data
    if case.content_type is not None:
        kwargs["content_type"] = case.content_type
    path = fill(route.rule, case, world.ids)
    response = world.clients[caller].open(path, method=route.method, **kwargs)
    response.close()
    db.session.rollback()
    return response


def envelope_problem(response: Any) -> str | None:
    """Why ``response`` is not the API's error envelope, or None when it is."""
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"error"}:
        return f"not an error envelope: {response.data[:200]!r}"
    error = body["error"]
    if not isinstance(error, dict):
        return f"error is not an object: {error!r}"
    for key in ("code", "message"):
        if not isinstance(error.get(key), str) or not error[key].strip():
            return f"error.{key} is missing or empty: {error!r}"
    return None


CASES = [(declared, case) for declared in ROUTES for case in declared.cases]


def _case_id(item: tuple[Route, Case]) -> str:
    declared, case = item
    return f"{declared.method} {declared.rule}" + (f" ({case.name})" if case.name else "")


@pytest.mark.parametrize("item", CASES, ids=[_case_id(item) for item in CASES])
def test_each_caller_gets_the_declared_status(world: World, item: tuple[Route, Case]) -> None:
    declared, case = item
    writes = declared.method != "GET"
    observed: dict[str, int] = {}
    problems: list[str] = []
    # Taken once: a refused request changes nothing, and the world is restored after a success.
    counts = world.counts() if writes else None
    before = case.effect(world.ids) if case.effect else None
    # Refused callers first, so that they meet the world as it was built.
    for caller in sorted(CALLERS, key=lambda caller: case.expected[caller] in SUCCESS):
        expected = case.expected[caller]
        response = send(world, declared, case, caller)
        status = observed[caller] = response.status_code
        path = fill(declared.rule, case, world.ids)
        signed_out_page = caller == "anonymous" and expected == 302 and "/lang/" not in path
        if signed_out_page and "/login" not in response.location:
            problems.append(f"anonymous is sent to {response.location}, not /login")
        if path.startswith("/api/") and status >= 400:
            problem = envelope_problem(response)
            if problem:
                problems.append(f"{caller}: {problem}")
        if counts is not None and expected not in SUCCESS and world.counts() != counts:
            problems.append(f"{caller}: a refused write changed row counts")
        if case.effect is not None:
            after = case.effect(world.ids)
            if status in SUCCESS:
                if case.adds is not None and after - before != case.adds:
                    problems.append(f"{caller}: changed the effect by {after - before}")
                elif after == before:
                    problems.append(f"{caller}: a success changed nothing")
            elif after != before:
                problems.append(f"{caller}: a refused request changed the effect")
        if writes and status in SUCCESS:
            world.restore()
        else:
            world.restore_cookies()
    assert observed == dict(case.expected), (
        f"{declared.method} {declared.rule} {case.name}: observed "
        + ", ".join(f"{caller}={observed[caller]}" for caller in CALLERS)
    )
    assert not problems
