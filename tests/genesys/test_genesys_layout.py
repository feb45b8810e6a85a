"""The Genesys fake's layout (DESIGN §2): its imports point down only, and its model knows no HTTP layer.

The imports are read with `ast`, at module level and under `TYPE_CHECKING` alike (a cycle there is still a cycle
a reader has to untangle), including imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import omni_harness.fakes.genesys

PACKAGE = "omni_harness.fakes.genesys"
ROOT = Path(omni_harness.fakes.genesys.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of this package that `name` imports (a `from package import submodule` names the submodule)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                       for alias in node.names]
        else:
            continue
        for target in targets:
            # `import omni_harness.fakes.genesys.model.org` names the module itself; an attribute of a module names that module
            while target and target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in known and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_walk_sees_the_imports():
    graph = import_graph()
    assert "omni_harness.fakes.genesys.app" in graph[PACKAGE]
    assert "omni_harness.fakes.genesys.routes.parse" in graph["omni_harness.fakes.genesys.routes.users"]
    assert "omni_harness.fakes.genesys.views.topics" in graph["omni_harness.fakes.genesys.model.users"]  # `from ..views import topics`
    assert "omni_harness.fakes.genesys.model.fake" in graph["omni_harness.fakes.genesys.routes.users"]  # under TYPE_CHECKING


def test_a_cycle_is_found():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"b"}}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _top_level_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "model").rglob("*.py")), ids=lambda p: p.name)
def test_the_model_knows_no_http_layer(path):
    assert not _top_level_imports(path) & {"flask", "werkzeug"}, f"{path.name} imports an HTTP framework"
    graph = import_graph()
    name = _module_name(path)
    upward = {m for m in graph[name]
              if m in (f"{PACKAGE}.app", PACKAGE) or m.startswith((f"{PACKAGE}.routes", f"{PACKAGE}.notifications"))}
    assert not upward, f"{name} imports {sorted(upward)}"


def test_the_skeleton():
    entries = {p.name for p in ROOT.iterdir() if p.name != "__pycache__"}
    assert entries == {"__init__.py", "app.py", "routes", "model", "views", "errors.py", "config.py",
                       "notifications"}
