"""pyproject.toml, the lock files and the code's imports agree (bin/lock keeps the locks)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
RUNNING_CODE = ("app", "migrations", "wsgi.py", "gunicorn.conf.py")
OTHER_CODE = ("tests", "benchmarks", "scripts")
FIRST_PARTY = {"app", "tests", "benchmarks", "wsgi"}
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def _requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in lines]


def _declared(*extras: str | None) -> set[str]:
    return {canonicalize_name(req.name) for extra in extras for req in _requirements(extra)}


def _locked(name: str) -> dict[str, Version]:
    text = (ROOT / name).read_text()
    return {canonicalize_name(pkg): Version(version) for pkg, version in PINNED.findall(text)}


def _imported_modules(paths: tuple[str, ...]) -> dict[str, str]:
    """Top-level third-party modules imported by the files under ``paths``, with one file each."""
    found: dict[str, str] = {}
    for path in paths:
        root = ROOT / path
        for file in [root] if root.is_file() else sorted(root.rglob("*.py")):
            for node in ast.walk(ast.parse(file.read_text(), str(file))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, str(file.relative_to(ROOT)))
    return found


def _undeclared_imports(paths: tuple[str, ...], declared: set[str]) -> list[str]:
    providers = packages_distributions()
    problems = []
    for module, file in sorted(_imported_modules(paths).items()):
        dists = {canonicalize_name(dist) for dist in providers.get(module, [])}
        if not dists & declared:
            problems.append(f"{module} (imported in {file}, from {sorted(dists) or '?'})")
    return problems


def test_running_code_imports_only_declared_dependencies():
    assert _undeclared_imports(RUNNING_CODE, _declared(None)) == []


def test_tests_and_tools_import_only_declared_packages():
    assert _undeclared_imports(OTHER_CODE, _declared(None, "test")) == []


def test_the_locks_pin_every_declared_package_within_its_bounds():
    stale = []
    locks = {"requirements.lock": (None,), "requirements-test.lock": (None, "test")}
    for lock, extras in locks.items():
        pins = _locked(lock)
        for extra in extras:
            for req in _requirements(extra):
                version = pins.get(canonicalize_name(req.name))
                if version is None or version not in req.specifier:
                    stale.append(f"{lock}: {req} locked at {version}")
    assert stale == [], "pyproject.toml changed without bin/lock"


def test_the_running_lock_is_the_test_lock_without_the_test_tools():
    running, testing = _locked("requirements.lock"), _locked("requirements-test.lock")
    assert {name: testing.get(name) for name in running} == running
