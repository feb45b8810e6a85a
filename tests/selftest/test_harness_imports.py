"""The scenario engine has no import cycle: checks, scenario, waits, journal, actors and the steps, with everything
they import from the harness, form a graph without a loop, counting every import (module level, under
TYPE_CHECKING, inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

from omni_harness import harness

ROOT = Path(harness.__file__).resolve().parent
ENGINE = ("omni_harness.harness.actors", "omni_harness.harness.checks", "omni_harness.harness.journal", "omni_harness.harness.scenario", "omni_harness.harness.waits")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(["omni_harness", *(parts[:-1] if parts[-1] == "__init__" else parts)])


def _imports(path: Path) -> set[str]:
    """Every harness module the file imports, wherever the import statement is."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in out if m.startswith("omni_harness.harness")}


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in ROOT.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in files and m != name} for name, path in files.items()}


def _cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A loop reachable from `start`, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    return visit(start)


def test_the_scenario_engine_has_no_import_cycle() -> None:
    graph = _graph()
    starts = list(ENGINE) + sorted(m for m in graph if m.startswith("omni_harness.harness.steps."))
    for start in starts:
        assert start in graph, f"{start} is not a harness module"
        cycle = _cycle_from(graph, start)
        assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_walker_sees_every_kind_of_import() -> None:
    # checks.py names ScenarioContext under TYPE_CHECKING only: the walker must still see it.
    checks_source = (ROOT / "checks.py").read_text()
    assert "if TYPE_CHECKING:" in checks_source
    assert "omni_harness.harness.scenario" in _imports(ROOT / "checks.py")
    assert "omni_harness.harness.checks" in _imports(ROOT / "steps" / "common.py")  # `from omni_harness.harness import checks`
    assert _cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert _cycle_from({"a": {"b"}, "b": set()}, "a") is None
