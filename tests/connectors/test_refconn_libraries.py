"""The reference connector's client libraries are the package's `reference` extra, and their absence is named.

The fakes and `omni-harness certify` run without them; certify without `--connector` (the bundled reference
connector) and the reference connector itself say which are missing and how to install them. A missing library
is played by a `sitecustomize` on PYTHONPATH whose import finder refuses that one name, exactly as Python does for
a package that is not installed.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from omni_harness.connectors.reference.libraries import CLIENT_LIBRARIES, INSTALL, missing_libraries
from omni_harness.harness.certify import ConnectorLibrariesMissing, check_connector_libraries, check_manifest

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = "simple_salesforce"
SHIM = f'''
import importlib.abc


class _NotInstalled(importlib.abc.MetaPathFinder):
    """As if {HIDDEN} were not installed: its import fails the way a missing package's does."""

    def find_spec(self, name, path=None, target=None):
        if name == {HIDDEN!r} or name.startswith({HIDDEN!r} + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


import sys

sys.meta_path.insert(0, _NotInstalled())
'''


@pytest.fixture
def without_library(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python cannot import simple_salesforce (and a private TMPDIR, to see what is made)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM)
    (tmp_path / "tmp").mkdir()
    paths = [str(shim), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths), TMPDIR=str(tmp_path / "tmp"),
                PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")


def test_the_shim_hides_the_library(without_library):
    probe = subprocess.run([sys.executable, "-c", f"import {HIDDEN}"], env=without_library, capture_output=True,
                           text=True, timeout=60)
    assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, probe.stderr


def test_certify_without_connector_names_the_missing_library_before_anything_starts(tmp_path, without_library):
    report = tmp_path / "report"
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "certify", "--report-dir", str(report)],
                         env=without_library, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    assert run.returncode == 2, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    message = run.stderr.strip()
    assert message.startswith("omni-harness: the bundled reference connector needs"), message
    assert "simple-salesforce" in message and INSTALL in message, message
    # Only the missing one is named: the others are installed here.
    assert "PureCloudPlatformClientV2" not in message and "aiosfstream-ng" not in message, message
    assert "Traceback" not in run.stderr and len(message.splitlines()) == 1, message
    # Nothing started: no report folder, no run folder (made before the fakes start), no verdict.
    assert not report.exists(), sorted(report.iterdir())
    assert not list((tmp_path / "tmp").iterdir()), sorted((tmp_path / "tmp").iterdir())
    assert "CERTIFIED" not in run.stdout
    assert took < 60, f"took {took:.0f} s: something started"


def test_the_reference_connector_itself_says_what_is_missing(tmp_path, without_library):
    run = subprocess.run([sys.executable, "-m", "omni_harness.connectors.reference"], env=without_library, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    out = run.stdout + run.stderr
    assert "missing client libraries" in out and "simple-salesforce" in out and INSTALL in out, out
    assert "Traceback" not in out, out


def test_missing_libraries_lists_each_missing_distribution(monkeypatch):
    assert missing_libraries() == []  # the test extra installs the reference extra
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name in ("PureCloudPlatformClientV2", "aiosfstream_ng") else real_find_spec(name, *args)

    monkeypatch.setattr("importlib.util.find_spec", find_spec)
    assert missing_libraries() == ["PureCloudPlatformClientV2", "aiosfstream-ng"]


def test_only_the_bundled_reference_connector_needs_them(monkeypatch):
    monkeypatch.setattr("omni_harness.connectors.reference.libraries.missing_libraries", lambda: ["simple-salesforce"])
    with pytest.raises(ConnectorLibrariesMissing, match="simple-salesforce"):
        check_connector_libraries(None, check_manifest(None, None))
    own = "node my-connector.js"
    check_connector_libraries(own, check_manifest(own, None))  # a connector of one's own: nothing to check
    idle = f"{sys.executable} -m omni_harness.connectors.idle"  # a bundled connector written without the client libraries
    check_connector_libraries(idle, check_manifest(idle, None))


def _dependency_names(requirements: list[str]) -> set[str]:
    names = set()
    for req in requirements:
        name = req.split(";")[0].split("[")[0]
        for sep in ("==", ">=", "<=", "~=", "!=", ">", "<"):
            name = name.split(sep)[0]
        names.add(name.strip().lower())
    return names


def test_the_client_libraries_are_the_reference_extra_and_the_test_extra_pulls_it_in():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    libraries = {d.lower() for d in CLIENT_LIBRARIES.values()}
    assert not libraries & _dependency_names(project["dependencies"]), "a client library is a runtime dependency"
    assert _dependency_names(project["optional-dependencies"]["reference"]) == libraries
    assert "omni-harness[reference]" in project["optional-dependencies"]["test"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["fakes", "harness"])
def test_neither_the_fakes_nor_the_harness_import_them(package):
    offenders = {str(path.relative_to(ROOT)): sorted(_imports(path) & set(CLIENT_LIBRARIES))
                 for path in sorted((ROOT / package).rglob("*.py"))}
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"{package}/ imports the reference connector's client libraries: {offenders}"
