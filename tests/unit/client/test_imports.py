"""The SDK's modules import one another in one direction only, and never the server side.

Read from the source with :mod:`ast`, not from ``sys.modules``: every ``import`` and ``from ... import`` counts,
including those under ``if TYPE_CHECKING:`` and inside function bodies, because a cycle hidden in either still
couples the modules (and a function-level import of a half-initialised package fails at run time). The graph
covers ``orchestrion.client`` with the root package and the version module it reads.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import orchestrion

ROOT = Path(orchestrion.__file__).resolve().parent
CLIENT = "orchestrion.client"
#: Subpackages and modules of the service: the SDK installs without them.
SERVER_SIDE = ("api", "jobs", "workers", "engines", "storage", "cli", "config", "webhooks", "retention", "logs")
#: Third-party distributions the SDK may import; everything else it uses is the standard library.
SDK_THIRD_PARTY = {"httpx", "websockets"}


def module_name(path: Path, package_root: Path, package: str) -> str:
    parts = list(path.relative_to(package_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def imported_names(path: Path, name: str, known: set[str]) -> set[str]:
    """Every module ``name`` (at ``path``) imports, anywhere in its body, with relative imports resolved.

    ``from package import thing`` counts as an import of ``package.thing`` when that is a module of ``known``,
    else of ``package`` itself.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return found


def build_graph(package_root: Path, package: str, files: list[Path]) -> dict[str, set[str]]:
    """Module name -> the modules it imports (all of them, in or out of ``files``)."""
    names = {path: module_name(path, package_root, package) for path in files}
    known = set(names.values())
    return {name: imported_names(path, name, known) for path, name in names.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle among the graph's own nodes, as a path that starts and ends on the same module; ``None`` if none."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in graph:
                continue
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def sdk_graph() -> dict[str, set[str]]:
    files = sorted((ROOT / "client").rglob("*.py")) + [ROOT / "__init__.py", ROOT / "_version.py"]
    missing = [str(path.relative_to(ROOT.parent)) for path in files if not path.exists()]
    assert not missing, f"missing SDK modules: {missing}"
    return build_graph(ROOT, "orchestrion", files)


def inside(graph: dict[str, set[str]], name: str) -> set[str]:
    """What ``name`` imports from the graph's own modules."""
    return graph[name] & graph.keys()


# -- the scanner itself -------------------------------------------------------------------------------------------


def test_the_scanner_sees_type_checking_and_function_level_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import A\n")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\nA = 1\n")
    (pkg / "b.py").write_text("def f():\n    import json\n    from pkg.sub import d\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "d.py").write_text("from .. import a\nfrom ..a import A\n")
    graph = build_graph(pkg, "pkg", sorted(pkg.rglob("*.py")))
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"typing", "pkg.b"},
        "pkg.b": {"json", "pkg.sub.d"},
        "pkg.sub": set(),
        "pkg.sub.d": {"pkg.a"},
    }
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.d", "pkg.a"]
    graph["pkg.a"].discard("pkg.b")
    assert find_cycle(graph) is None


# -- the SDK ------------------------------------------------------------------------------------------------------


def test_the_sdk_import_graph_has_no_cycle():
    graph = sdk_graph()
    assert f"{CLIENT}._types" in graph and "orchestrion._version" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_sdk_imports_nothing_of_the_server_side():
    server = {f"orchestrion.{name}" for name in SERVER_SIDE}
    # Whatever else lives beside the SDK in the package is the service too, whether listed above or added later.
    for entry in ROOT.iterdir():
        stem = entry.stem if entry.suffix == ".py" else entry.name
        if (entry.is_dir() and (entry / "__init__.py").exists()) or entry.suffix == ".py":
            if stem not in ("__init__", "__main__", "_version", "client"):
                server.add(f"orchestrion.{stem}")
    offending = {
        name: sorted(t for t in targets if any(t == s or t.startswith(s + ".") for s in server))
        for name, targets in sdk_graph().items()
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_sdk_needs_only_httpx_and_websockets_beyond_the_standard_library():
    third_party = {
        target.partition(".")[0]
        for targets in sdk_graph().values()
        for target in targets
        if target.partition(".")[0] not in sys.stdlib_module_names and target.partition(".")[0] != "orchestrion"
    }
    assert third_party <= SDK_THIRD_PARTY


def test_types_are_data_and_errors_and_events_are_leaves():
    graph = sdk_graph()
    # Results know nothing of the clients that fetch them: downloads live on ``client.audio``.
    assert inside(graph, f"{CLIENT}._types") <= {f"{CLIENT}._exceptions"}
    assert inside(graph, f"{CLIENT}._exceptions") == set()
    assert inside(graph, f"{CLIENT}._sse") == set()
    assert inside(graph, "orchestrion._version") == set()


def test_the_version_is_read_from_its_leaf_module():
    graph = sdk_graph()
    assert "orchestrion._version" in inside(graph, f"{CLIENT}._base")
    assert "orchestrion" not in inside(graph, f"{CLIENT}._base")
    assert "orchestrion._version" in inside(graph, "orchestrion")
    from orchestrion import _version

    assert orchestrion.__version__ is _version.__version__
