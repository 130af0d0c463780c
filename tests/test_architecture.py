"""The shape of app/ read from its source: no import circle, between modules or between
concepts, and every import at module level.

Both rules keep the house drawn from imports honest: a function-level import is how a circle
hides (it runs later, when the modules it needs happen to be loaded), and a circle means two
concepts that cannot be understood, tested or moved one without the other. Cross-concept side
effects go through app/signals.py instead.

The concepts' layering, lowest first (each imports only what stands below it):

    shared modules: extensions, config, signals, models_base, errors, database, i18n,
                    parsing, compression, assets, headers, client_address, backup, typed_codes
    schema, media  (where photos' bytes live; knows no post), accountability (working time)
    audit          (writing the log; an actor is a Protocol, not an Account)
    accounts       (and web, ratelimit, which read who is signed in)
    communes, push
    membership     (invitations of officials; who is signed in, with their communes), pwa
    threads
    announcements
    open311, privacy, notifications
    admin
    workspace      (the officials' pages: one thread's page, reading the audit log)
    on top: app/__init__.py, app/api/*, every routes.py and cli.py (see ``concept_graph``)
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def module_name(path: Path) -> str:
    """``app/communes/services.py`` -> ``app.communes.services``; a package is its folder."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module ``from <node.module> import ...`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """Module -> the app modules it imports, wherever the import stands (one inside a function
    still closes a circle: it only runs later).

    ``from app.x import y`` is an edge to ``app.x.y`` when that is a module, else to ``app.x``.
    The implicit import of parent packages is not an edge: ``app/__init__.py`` registers every
    blueprint, and every module lives below it.
    """
    modules = app_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.add(submodule if submodule in modules else source)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan): each module of one
    reaches every other through imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """A shortest cycle in each tangle, to name it."""
    return [_cycle_in(graph, component) for component in tangles(graph)]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, for the message."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def function_level_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, function) of every import inside a function, nested functions included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner.lineno, node.name


def test_no_import_cycle_in_app():
    graph = import_graph()
    found = [
        f"{' -> '.join(_cycle_in(graph, tangle))}\n  (tangled: {', '.join(sorted(tangle))})"
        for tangle in tangles(graph)
    ]
    assert not found, "import cycles in app/:\n" + "\n".join(found)


def test_no_import_inside_a_function_in_app():
    found = sorted(
        {
            f"{path.relative_to(ROOT)}:{line} (in {function})"
            for path in app_modules().values()
            for line, function in function_level_imports(_parse(path))
        }
    )
    assert not found, "imports inside functions (move them to module level):\n" + "\n".join(found)


# --- concepts: the top-level packages and modules of app/ -----------------------------------

# Modules that sit on top and may import any concept: they assemble pages, JSON and commands
# from the concepts' services.
ON_TOP = ("routes", "cli")


def concept(module: str) -> str:
    """``app.threads.notes`` -> ``threads``; a shared module such as ``app.parsing`` is its own."""
    return module.split(".")[1]


def is_on_top(module: str) -> bool:
    return module == "app" or module.startswith("app.api") or module.rsplit(".", 1)[-1] in ON_TOP


def concept_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Concept -> the concepts its modules import.

    Left out, as the outermost layer allowed to import everything: ``app/__init__.py`` (the
    factory registers every blueprint and subscriber), ``app/api/*`` (the JSON API, built on
    every concept's services and schemas) and each concept's ``routes.py`` and ``cli.py`` (pages
    and commands, which call several concepts and render one answer). Everything else (models,
    services, schemas, page helpers such as ``workspace/thread_page.py``) counts.
    """
    concepts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if is_on_top(module):
            continue
        imported = {concept(target) for target in targets if not is_on_top(target)}
        concepts.setdefault(concept(module), set()).update(imported - {concept(module)})
        for target in imported:
            concepts.setdefault(target, set())
    return concepts


def test_no_import_cycle_between_concepts():
    graph = import_graph()
    concepts = concept_graph(graph)
    found = []
    for tangle in tangles(concepts):
        cycle = _cycle_in(concepts, tangle)
        edges = [
            f"    {source} -> {target}"
            for first, second in itertools.pairwise(cycle)
            for source in sorted(graph)
            if not is_on_top(source) and concept(source) == first
            for target in sorted(graph[source])
            if not is_on_top(target) and concept(target) == second
        ]
        found.append(" -> ".join(cycle) + "\n" + "\n".join(edges))
    assert not found, "concepts importing each other in a circle:\n" + "\n".join(found)


# --- the checks check what they should --------------------------------------------------------


def test_a_cycle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_resolves_names_to_modules():
    graph = import_graph()
    # ``from app.communes.services import create_commune`` is an edge to the module.
    assert "app.communes.services" in graph["app.communes.cli"]
    # ``from app.accounts import second_factor`` is an edge to the submodule, not the package.
    assert "app.accounts.second_factor" in graph["app.accounts.routes"]
    assert "app.accounts" not in graph["app.accounts.routes"]


def test_an_import_inside_a_function_is_found():
    tree = ast.parse(
        "import os\n\n\nclass A:\n    import re\n\n    def f(self):\n"
        "        def g():\n            from json import dumps\n"
    )
    assert sorted(function_level_imports(tree)) == [(9, "f"), (9, "g")]


def test_the_concept_graph_leaves_out_only_the_top_layer():
    graph = {
        "app": {"app.threads.services"},
        "app.api.auth": {"app.accounts.services"},
        "app.threads.routes": {"app.workspace.access"},
        "app.threads.services": {"app.accounts.models", "app.threads.models"},
        "app.workspace.access": {"app.threads.services"},
    }
    assert concept_graph(graph) == {
        "accounts": set(),
        "threads": {"accounts"},
        "workspace": {"threads"},
    }


# --- the README's layout names the house as it is ---------------------------------------------


def readme_layout_entries() -> set[str]:
    """The names the README's layout block gives under ``app/`` (``threads/``, ``web.py``;
    ``pwa.py, assets.py`` is two), up to the first line outside app/."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    inside = block.split("\napp/\n", 1)[1].split("\nmigrations/", 1)[0]
    names: set[str] = set()
    for line in inside.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            head = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
            names.update(part.strip() for part in head.split(","))
    return names


def test_the_readme_layout_names_every_package_and_module_of_app():
    actual = {
        f"{path.name}/" if path.is_dir() else path.name
        for path in APP.iterdir()
        if (path / "__init__.py").is_file() or (path.suffix == ".py")
    }
    listed = readme_layout_entries()
    assert not actual - listed, f"README.md's layout does not name: {sorted(actual - listed)}"
    assert not listed - actual, (
        f"README.md's layout names what app/ lacks: {sorted(listed - actual)}"
    )
