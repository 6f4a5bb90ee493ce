"""The package's layer contract, checked on its import graph.

The graph is read from the source with :mod:`ast`, not by importing anything: every import statement anywhere in a
module counts (module level, ``if TYPE_CHECKING:`` blocks, imports inside functions), relative imports are resolved
against the importing module's package, and ``from package import name`` points at ``package.name`` when that is a
module of its own. Only edges between modules of ``orchestrion`` are kept.

Two rules hold:

(a) No import cycle between modules. A cycle is reported as the path that closes it.

(b) Layers, top to bottom; a module imports modules of its own subpackage (or module) and of layers below it, never
    a sibling subpackage of its own layer and never a layer above::

        5  cli (``python -m orchestrion``'s ``__main__`` belongs to it)
        4  api
        3  workers, webhooks, retention
        2  engines, storage, jobs
        1  config, logs, secret_files, util (the leaf of small helpers several layers share)

The SDK (``orchestrion.client``, and the root package ``orchestrion`` that re-exports it) stands apart from the
layers: it is a library a server may use, not a part of the server. It imports nothing but itself and ``_version``
(so ``pip install orchestrion`` clients never pull in the server), and the server reaches for it in two places
only: the CLI, whose remote commands are SDK calls, and the upstream engine (``engines.upstream``), which may
forward generations to another Orchestrion server through the same client. Any other server module importing the
SDK, the root package included (``from .. import __version__``), is a violation: it makes the server depend on the
SDK's import graph. ``_version`` imports nothing and anyone may import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "orchestrion"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE

#: Subpackage (or top-level module) → layer; higher layers may import lower ones.
LAYERS: dict[str, int] = {
    "cli": 5,
    "api": 4,
    "workers": 3, "webhooks": 3, "retention": 3,
    "engines": 2, "storage": 2, "jobs": 2,
    "config": 1, "logs": 1, "secret_files": 1, "util": 1,
}
#: The SDK: the client subpackage and the root package that re-exports it.
SDK = "client"
VERSION = "_version"
#: Server modules allowed to use the SDK (besides the whole CLI).
SDK_USERS = {f"{PACKAGE}.engines.upstream"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def module_files() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _package_of(module: str) -> str:
    """The package a relative import in ``module`` starts from."""
    path = module_files()[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _known(name: str) -> str | None:
    """``name`` or its longest prefix that is a module of the package."""
    modules = module_files()
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported module of the package, line) for every import statement in ``module``."""
    tree = ast.parse(module_files()[module].read_text(encoding="utf-8"), filename=str(module_files()[module]))
    modules = module_files()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _known(alias.name)
                if target is not None:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(module).split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source != PACKAGE and not source.startswith(PACKAGE + "."):
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in modules else _known(source)
                if target is not None:
                    yield target, node.lineno


@cache
def import_graph() -> dict[str, dict[str, int]]:
    """module → {imported module: first line importing it}; self-imports left out."""
    graph: dict[str, dict[str, int]] = {}
    for module in module_files():
        edges: dict[str, int] = {}
        for target, line in _imports(module):
            if target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def group(module: str) -> str:
    """The layer group of ``module``: its subpackage or top-level module; the root package belongs to the SDK."""
    if module == PACKAGE:
        return SDK
    name = module.split(".")[1]
    return "cli" if name == "__main__" else name


def layer_violation(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported``; ``None`` when it may."""
    source, target = group(importer), group(imported)
    if target == VERSION or source == target:
        return None
    if source == VERSION:
        return "_version imports nothing"
    if source == SDK:
        return "the SDK imports no server module"
    if target == SDK:
        if source == "cli" or importer in SDK_USERS:
            return None
        return "only the CLI and the upstream engine use the SDK"
    if source not in LAYERS or target not in LAYERS:
        return f"{source if source not in LAYERS else target!r} has no layer; add it to LAYERS"
    if LAYERS[target] < LAYERS[source]:
        return None
    if LAYERS[target] == LAYERS[source]:
        return f"{source} and {target} share layer {LAYERS[source]}"
    return f"{source} (layer {LAYERS[source]}) imports upward into {target} (layer {LAYERS[target]})"


def layer_violations() -> list[str]:
    found = []
    for importer, edges in sorted(import_graph().items()):
        for imported, line in sorted(edges.items()):
            why = layer_violation(importer, imported)
            if why is not None:
                found.append(f"{importer} -> {imported} (line {line}): {why}")
    return found


def import_cycles() -> list[list[str]]:
    """One cycle (a path whose last module imports its first) per strongly connected group of modules."""
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(start: str) -> None:
        # Tarjan's algorithm, iteratively: the package is deep enough to make recursion a worry.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return [_cycle_in(set(component), graph) for component in sorted(components)]


def _cycle_in(component: set[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """A shortest path from the component's first module back to itself, staying inside the component."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child not in component:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path)) + [start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")  # pragma: no cover


# -- the contract ------------------------------------------------------------------------------------------------
def test_no_import_cycles():
    cycles = [" -> ".join(cycle) for cycle in import_cycles()]
    assert not cycles, "import cycles:\n  " + "\n  ".join(cycles)


def test_layers_are_respected():
    found = layer_violations()
    assert not found, f"{len(found)} layer violation(s):\n  " + "\n  ".join(found)


def test_every_module_has_a_layer():
    groups = {group(module) for module in module_files()}
    assert groups - set(LAYERS) - {SDK, VERSION} == set()


def test_version_and_util_import_nothing_of_the_package():
    graph = import_graph()
    leaves = [m for m in graph if group(m) in {VERSION, "util", "logs", "config", "secret_files"}]
    assert leaves, "the leaf modules were not found"
    assert {m: sorted(graph[m]) for m in leaves if graph[m]} == {}


# -- the checker itself ----------------------------------------------------------------------------------------
def test_graph_sees_every_kind_of_import():
    graph = import_graph()
    # a module-level relative import, and `from package import submodule`
    assert "orchestrion.api.errors" in graph["orchestrion.api.routes_generate"]
    assert "orchestrion.engines.composer.styles.classical" in graph["orchestrion.engines.composer.styles"]
    # imports inside functions (the CLI loads the API only when serving)
    assert "orchestrion.api.app" in graph["orchestrion.cli.serve"]
    # imports under TYPE_CHECKING
    assert "orchestrion.jobs.models" in graph["orchestrion.api.context"]
    # an absolute import of the package
    assert "orchestrion.cli" in graph["orchestrion.__main__"]


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("orchestrion.api.app", "orchestrion.jobs.store", True),
    ("orchestrion.api.app", "orchestrion.api.errors", True),
    ("orchestrion.jobs.store", "orchestrion.api.errors", False),
    ("orchestrion.webhooks.sender", "orchestrion.api.errors", False),
    ("orchestrion.workers.worker", "orchestrion.webhooks.sender", False),
    ("orchestrion.engines.base", "orchestrion.storage.encode", False),
    ("orchestrion.storage.signing", "orchestrion.secret_files", True),
    ("orchestrion.logs", "orchestrion.config", False),
    ("orchestrion.webhooks.sender", "orchestrion", False),
    ("orchestrion.webhooks.sender", "orchestrion._version", True),
    ("orchestrion.cli.remote", "orchestrion.client._client", True),
    ("orchestrion.engines.upstream", "orchestrion.client", True),
    ("orchestrion.engines.musicgen", "orchestrion.client", False),
    ("orchestrion.client._base", "orchestrion._version", True),
    ("orchestrion.client._base", "orchestrion.config", False),
    ("orchestrion", "orchestrion.client", True),
])
def test_layer_rule(importer: str, imported: str, allowed: bool):
    assert (layer_violation(importer, imported) is None) is allowed


def test_cycle_finder_reports_a_path():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}}
    assert _cycle_in({"a", "b", "c"}, graph) == ["a", "b", "c", "a"]


if __name__ == "__main__":  # pragma: no cover - a report for people: python tests/unit/test_layers.py
    for cycle in import_cycles():
        print("cycle:", " -> ".join(cycle))
    for violation in layer_violations():
        print("layer:", violation)
