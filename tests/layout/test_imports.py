"""The layout rules of DESIGN §2, checked on the source: imports point down, the two fakes are built alike."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("fakes", "harness")
FAKES = ("genesys", "salesforce")
PUSH_PACKAGES = {"genesys": "notifications", "salesforce": "streaming"}
FORBIDDEN_IN_MODEL = ("flask", "werkzeug")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["omni_harness", *parts])  # the installed name (setup.py)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _all_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules of this project one import statement names (a submodule where `from pkg import sub` is one)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in known}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    if node.level:
        base_parts = package.split(".")
        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    out = set()
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        if candidate in known:
            out.add(candidate)
        elif base in known:
            out.add(base)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        # Every import counts: at module level, under TYPE_CHECKING, or deferred into a function to dodge a cycle.
        graph[name] = {m for node in _all_imports(tree) for m in imported(name, path, node, known)} - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package: str) -> None:
    graph = {k: v for k, v in import_graph().items() if k.split(".")[1] == package}
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(
        " <-> ".join(c) for c in found)


@pytest.mark.parametrize("fake", FAKES)
def test_model_knows_no_http(fake: str) -> None:
    model = ROOT / "fakes" / fake / "model"
    assert model.is_dir(), f"fakes/{fake}/model/ is missing"
    bad = []
    known = set(modules())
    for path in sorted(model.rglob("*.py")):
        name = module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        for node in _all_imports(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n.split(".")[0] in FORBIDDEN_IN_MODEL for n in names if n):
                bad.append(f"{name} imports {', '.join(names)}")
            for target in imported(name, path, node, known):
                if target in (f"omni_harness.fakes.{fake}.app",) or target.startswith(f"omni_harness.fakes.{fake}.routes"):
                    bad.append(f"{name} imports {target}")
    assert not bad, "\n".join(bad)


def _entries(fake: str) -> set[str]:
    folder = ROOT / "fakes" / fake
    return {p.name for p in folder.iterdir() if p.name != "__pycache__" and (p.suffix == ".py" or p.is_dir())}


def test_the_two_fakes_have_the_same_entries() -> None:
    genesys = _entries("genesys") - {PUSH_PACKAGES["genesys"]}
    salesforce = _entries("salesforce") - {PUSH_PACKAGES["salesforce"]}
    assert genesys == salesforce, (f"only in genesys: {sorted(genesys - salesforce)}; "
                                   f"only in salesforce: {sorted(salesforce - genesys)}")
    for fake, push in PUSH_PACKAGES.items():
        assert (ROOT / "fakes" / fake / push / "__init__.py").is_file(), f"fakes/{fake}/{push}/ is not a package"
    expected = {"__init__.py", "app.py", "routes", "model", "views", "errors.py", "config.py"}
    assert expected <= genesys, f"missing: {sorted(expected - genesys)}"


def test_the_walk_sees_a_cycle_when_there_is_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    # A deferred import counts: the reports read a Run, never the controller that makes it.
    assert not {"omni_harness.harness.plugin", "omni_harness.harness.controller"} & graph["omni_harness.harness.reports"]
    assert "omni_harness.harness.controller" in graph["omni_harness.harness.plugin"]
