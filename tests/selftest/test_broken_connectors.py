"""The suite catches real defects: every broken connector fails exactly the requirements it declares.

Each connector under connectors/broken/ is certified in full (`omni-harness certify`, at the widest profile its
connector.yaml declares) and must fail every requirement of its `mustFail`, no other, and pass all the rest. The
sensitivity table in README.md must be the one this run produced (`python -m omni_harness.connectors.broken.table --write`).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os

import pytest

from omni_harness.connectors.broken.manifest import HERE, discover
from omni_harness.connectors.broken.table import README, Run, read_section, render_section, replace_section
from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.genesys_rest import GenesysRest
from omni_harness.harness.manifest import load as load_manifest
from omni_harness.harness.requirements import PROFILE_SELECTION, catalogue

MANIFESTS = discover()
PACKAGES = [m.package for m in MANIFESTS]
WRITE_VARIABLE = "OMNI_SELFTEST_WRITE_README"  # 1: write this run's table into README.md, then compare
CERTIFY_TIMEOUT = 2400  # a test waits for its certification, queued behind the others (3 at a time): most of the run


def test_at_least_ten_broken_connectors() -> None:
    assert len(MANIFESTS) >= 10, f"only {len(MANIFESTS)} broken connectors: {PACKAGES}"


@pytest.mark.parametrize("manifest", MANIFESTS, ids=PACKAGES)
def test_manifest_declares_what_it_must_fail(manifest) -> None:
    known = catalogue()
    assert manifest.command == f"python -m omni_harness.connectors.broken.{manifest.package}"
    assert manifest.name == f"broken-{manifest.package.replace('_', '-')}"
    assert manifest.media and set(manifest.media) <= {"chat", "messaging"}
    certified = {str(p) for p in PROFILE_SELECTION[manifest.certify_profile]}
    for medium in manifest.media:
        ids = manifest.must_fail_on(medium)
        unknown = [r for r in ids if r not in known]
        assert not unknown, f"mustFail names requirements the catalogue does not have: {unknown}"
        outside = [r for r in ids if str(known[r].profile) not in certified]
        assert not outside, f"mustFail names {outside}, outside the profiles it declares {manifest.profiles}"
        assert any(known[r].applies_to(medium) for r in ids), \
            f"a broken connector that declares nothing to fail on {medium} proves nothing there"
    assert set(manifest.profiles) <= {"core", "extended", "resilience"}
    # certify reads the same file beside the connector: it must accept it and see the same declaration.
    product = load_manifest(manifest.path)
    assert (product.name, product.command, [str(p) for p in product.profiles], list(product.media)) == \
        (manifest.name, manifest.command, list(manifest.profiles), list(manifest.media))
    assert product.extra.get("mustFail") == list(manifest.must_fail)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_swaps_one_part_of_the_reference(package: str) -> None:
    """A package is the reference connector plus one subclass (its engine or its Genesys client), started by
    `__main__`, importing nothing of the fakes or the harness."""
    module = importlib.import_module(f"omni_harness.connectors.broken.{package}")
    parts = [obj for obj in vars(module).values() if inspect.isclass(obj) and obj.__module__ == module.__name__
             and issubclass(obj, SyncEngine | GenesysRest)]
    assert len(parts) == 1, f"expected one subclass of the reference engine or Genesys client, found {parts}"
    main_source = (HERE / package / "__main__.py").read_text()
    assert f"main({parts[0].__name__})" in main_source
    from omni_harness.connectors.broken.base import connector_class

    assert connector_class(parts[0]).__mro__[1].__module__ == "omni_harness.connectors.reference.app"
    for path in sorted((HERE / package).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad = [n for n in names if n.split(".")[0] in ("fakes", "harness")]
            assert not bad, f"{path.name} imports {bad}: a connector shares no code with its judge"


def _verdicts(run: Run) -> str:
    return ", ".join(f"{r} {v}" for r, v in run.verdicts.items())


@pytest.mark.selftest
@pytest.mark.timeout(CERTIFY_TIMEOUT)
@pytest.mark.parametrize("package", PACKAGES)
def test_broken_connector_fails_exactly_what_it_declares(certifier, package: str) -> None:
    run = certifier.run(package)
    problem = run.mismatch()
    assert problem is None, problem + f"\nverdicts: {_verdicts(run)}"
    if not run.caught:
        gaps = "; ".join(f"{r}: {why}" for r, why in run.manifest.suite_gaps.items())
        pytest.xfail(f"the suite does not catch {package} yet (a gap in the suite): {gaps}")


@pytest.mark.selftest
@pytest.mark.timeout(CERTIFY_TIMEOUT)
def test_readme_shows_the_sensitivity_table_of_this_run(certifier) -> None:
    runs = certifier.runs()
    section = render_section(runs)
    table = certifier.report_root / "sensitivity.md"
    table.write_text(section + "\n")
    if os.environ.get(WRITE_VARIABLE) == "1" and all(r.mismatch() is None for r in runs):
        README.write_text(replace_section(README.read_text(), section))
    current = read_section(README.read_text())
    assert current is not None, ("README.md has no sensitivity section; add it with "
                                 "`python -m omni_harness.connectors.broken.table --write`")
    assert current == section.strip(), (f"README.md's sensitivity table differs from this run ({table}); regenerate "
                                        "it with `python -m omni_harness.connectors.broken.table --write`, or run the self-test "
                                        f"with {WRITE_VARIABLE}=1.\nThis run:\n" + section)
