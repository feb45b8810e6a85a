"""The Salesforce fake's layout (DESIGN §2): the skeleton's top-level entries, imports that point down only.

The import graph is read with `ast` from the sources, every import counted wherever it stands (module level,
under `TYPE_CHECKING`, inside a function), so a cycle cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import omni_harness.fakes.salesforce

ROOT = Path(omni_harness.fakes.salesforce.__file__).resolve().parent
PACKAGE = "omni_harness.fakes.salesforce"
TOP_LEVEL = {"__init__.py", "app.py", "routes", "model", "views", "errors.py", "config.py", "streaming"}
# What the rules and wire shapes must not reach for: the HTTP framework and the HTTP layer.
HTTP = ("flask", "werkzeug", f"{PACKAGE}.app", f"{PACKAGE}.routes")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(module: str) -> set[str]:
    """Every module `module` imports; `from pkg import name` counts `pkg.name` when that is a module."""
    tree = ast.parse(MODULES[module].read_text(), str(MODULES[module]))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            named = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
            out.update(named)
            if len(named) < len(node.names):
                out.add(base)
    return out


GRAPH = {module: {m for m in imports_of(module) if m in MODULES and m != module} for module in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` (as a path that returns to its start), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_the_top_level_is_the_shared_skeleton():
    entries = {p.name for p in ROOT.iterdir() if p.name != "__pycache__"}
    assert entries == TOP_LEVEL


def test_no_import_cycle_inside_the_fake():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("layer", ["model", "views", "streaming"])
def test_rules_and_wire_shapes_stay_out_of_http(layer):
    offenders = {
        module: sorted(m for m in imports_of(module) if m.startswith(HTTP))
        for module in MODULES if module.startswith(f"{PACKAGE}.{layer}")
    }
    assert {m: found for m, found in offenders.items() if found} == {}


def test_relative_imports_resolve_to_modules():
    # `from .app import create_app` and `from ..model.fake import SalesforceFake` name modules by relative path.
    assert f"{PACKAGE}.app" in imports_of(PACKAGE)
    assert f"{PACKAGE}.model.fake" in imports_of(f"{PACKAGE}.app")
