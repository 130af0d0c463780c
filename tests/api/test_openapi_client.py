"""The OpenAPI document generates a working Python client with ``openapi-python-client``.

The client is generated into a temporary folder, every module of it is imported, and a few
calls go through it to the app itself (httpx's WSGI transport), so that its models read real
answers. The only part it cannot generate is the CSV upload of ``POST /communes/import`` (it
knows no ``text/csv`` body; the same operation's multipart form is generated).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from app.api import api_app
from app.api.openapi import build_document

PACKAGE = "commune_feedback_api_client"
# What the generator may warn about: the CSV bodies of the import (see the docstring).
KNOWN_WARNINGS = {"Unsupported content type text/csv", "Unsupported content type text/plain"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, str]]:
    """The generated package (imported) and what the generator printed."""
    folder = tmp_path_factory.mktemp("openapi-client")
    document = folder / "openapi.json"
    document.write_text(json.dumps(build_document(api_app())))
    config = folder / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no formatter needed
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            document,
            "--meta",
            "none",
            "--config",
            config,
            "--output-path",
            folder / PACKAGE,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE), result.stdout + result.stderr
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


def test_the_generator_understands_every_schema(generated):
    _package, output = generated
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    problems = [line for line in lines if line.startswith(("Unable", "Cannot", "Could not"))]
    assert not problems, output
    warned = [index for index, line in enumerate(lines) if line.startswith("WARNING")]
    assert all(lines[i] == "WARNING parsing POST /communes/import within admin." for i in warned)
    assert {lines[i + 1] for i in warned} <= KNOWN_WARNINGS, output


def test_every_generated_module_imports(generated):
    package, _output = generated
    names = [info.name for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")]
    assert f"{PACKAGE}.api.auth.get_me" in names
    for name in names:
        importlib.import_module(name)


def _client(package: ModuleType, app) -> object:
    transport = httpx.WSGITransport(app=app)
    return package.Client(base_url="http://localhost/api/v1", httpx_args={"transport": transport})


def test_the_client_reads_real_answers(generated, app, make_commune):
    package, _output = generated
    get_me = importlib.import_module(f"{PACKAGE}.api.auth.get_me")
    get_key = importlib.import_module(f"{PACKAGE}.api.push.get_push_key")
    models = importlib.import_module(f"{PACKAGE}.models")
    client = _client(package, app)
    me = get_me.sync(client=client)
    assert isinstance(me, models.SignedOut)
    assert (me.signed_in, me.kind, me.communes) == (False, None, [])
    key = get_key.sync(client=client)
    assert isinstance(key, models.ServerKey) and key.public_key
