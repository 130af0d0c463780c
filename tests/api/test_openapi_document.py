"""The OpenAPI document at ``/api/v1/openapi.json``: valid OpenAPI 3.1, and in step with the routes.

A new ``/api/v1`` route without documentation fails ``test_every_route_is_documented``; a
documented route that no longer exists fails it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from app import create_app
from app.api.openapi import build_document

API = "/api/v1"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def doc_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app of its own: the document needs no database (nothing here signs in)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("openapi-instance")))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )
    yield app


@pytest.fixture(scope="module")
def document(doc_app: Flask) -> dict[str, Any]:
    response = doc_app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _rule_as_openapi_path(rule: str) -> str:
    """``/api/v1/threads/<id:thread_id>`` → ``/threads/{thread_id}``."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(API))


def _api_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, _rule_as_openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{API}/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)  # raises on the first problem


def test_every_route_is_documented(doc_app, document):
    assert document["servers"] == [{"url": API}]
    routes, documented = _api_routes(doc_app), _documented(document)
    undocumented = sorted(routes - documented)
    assert not undocumented, f"/api/v1 routes missing from app/api/openapi.py: {undocumented}"
    stale = sorted(documented - routes)
    assert not stale, f"documented in app/api/openapi.py but not routes: {stale}"


def test_path_parameters_follow_the_url_converters(doc_app, document):
    """``<id:…>`` is a positive 32-bit integer; everything else is a string."""
    converters = {}
    for rule in doc_app.url_map.iter_rules():
        if rule.rule.startswith(f"{API}/"):
            for name, converter in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule):
                converters[(_rule_as_openapi_path(rule.rule), converter)] = name or "default"
    for method, path, operation in _operations(document):
        params = {p["name"]: p for p in operation.get("parameters", []) if "name" in p}
        for name in re.findall(r"{(\w+)}", path):
            schema = params[name]["schema"]
            assert params[name]["in"] == "path" and params[name]["required"], (method, path)
            expected = "integer" if converters[(path, name)] == "id" else "string"
            assert schema["type"] == expected, (method, path, name)
            if expected == "integer":
                assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1)


def test_every_operation_documents_its_common_answers(document):
    """503 everywhere; the Origin guard on unsafe methods; 401 where a session is required;
    the JSON body's own errors wherever a JSON body is read."""
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        assert "503" in responses, (method, path)
        assert any(code.startswith("2") for code in responses), (method, path)
        refs = [p.get("$ref") for p in operation.get("parameters", [])]
        if method in UNSAFE:
            assert "#/components/parameters/Origin" in refs, (method, path)
            assert "403" in responses, (method, path)
        if {} not in operation["security"]:
            assert "401" in responses, (method, path)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            assert {"400", "413", "415"} <= responses.keys(), (method, path)


def test_the_document_is_public_cached_and_built_once(doc_app, document):
    cached = doc_app.extensions["openapi_json"]  # made by the ``document`` fixture's request
    response = doc_app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert doc_app.extensions["openapi_json"] is cached
    assert response.get_json() == document == build_document(doc_app)
    security = document["components"]["securitySchemes"]["session"]
    assert (security["in"], security["name"]) == ("cookie", "cf_session")
