"""No import cycle in the harness: module-level and TYPE_CHECKING imports form no cycle anywhere, and imports made
inside functions form none through the run's machinery (plugin, controller, fixtures, selection, reports)."""

from __future__ import annotations

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"
# The step library and the scenario state it drives import each other inside functions; every other module must
# not take part in a cycle, even through such imports.
STEP_SIDE = ("harness.checks", "harness.scenario", "harness.steps")


def module_name(path: Path) -> str:
    parts = path.relative_to(HARNESS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _target(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = name.split(".") if is_package else name.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path, *, inside_functions: bool) -> set[str]:
    """The modules `path` imports: at module level and under TYPE_CHECKING, and also inside functions if asked."""
    name, tree = module_name(path), ast.parse(path.read_text())
    package = path.name == "__init__.py"
    found: set[str] = set()

    def take(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _target(node, name, package)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            take(node)
            if isinstance(node, ast.If | ast.Try):
                for block in ("body", "orelse", "finalbody"):
                    walk(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    walk(handler.body)
            elif inside_functions and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for inner in ast.walk(node):
                    take(inner)

    walk(tree.body)
    return found


def graph(*, inside_functions: bool) -> dict[str, set[str]]:
    files = {module_name(p): p for p in HARNESS.rglob("*.py")}
    return {name: {m for m in imports(path, inside_functions=inside_functions) if m in files and m != name}
            for name, path in files.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_module_level_and_type_checking_imports_form_no_cycle():
    assert cycles(graph(inside_functions=False)) == []


def test_the_runs_machinery_is_in_no_cycle_even_through_function_imports():
    found = [c for c in cycles(graph(inside_functions=True)) if not all(m.startswith(STEP_SIDE) for m in c)]
    assert found == []


def test_the_walk_sees_a_cycle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    plugin = imports(HARNESS / "plugin.py", inside_functions=False)
    assert "harness.controller" in plugin and "harness.fixtures" not in plugin  # fixtures come via pytest_plugins
    reports = imports(HARNESS / "reports.py", inside_functions=True)
    assert not {"harness.plugin", "harness.controller"} & reports  # the reports read a Run, not the controller
