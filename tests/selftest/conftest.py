"""The self-test's certifications of every broken connector: started together once, awaited by each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from omni_harness.connectors.broken.manifest import discover
from omni_harness.connectors.broken.table import DEFAULT_JOBS, Certifier

JOBS_VARIABLE = "OMNI_SELFTEST_JOBS"  # certifications at once (default 3)
REPORTS_VARIABLE = "OMNI_SELFTEST_REPORTS"  # keep every certification's reports under this folder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "selftest: certifies the broken connectors (minutes, not seconds)")


def _needed(session: pytest.Session) -> list[str] | None:
    """The broken connectors the selected tests certify (None: every one)."""
    needed: list[str] = []
    for item in session.items:
        if "certifier" not in getattr(item, "fixturenames", ()):
            continue
        callspec = getattr(item, "callspec", None)
        package = callspec.params.get("package") if callspec is not None else None
        if package is None:
            return None  # a test that needs them all (the README table)
        needed.append(package)
    return needed


@pytest.fixture(scope="session")
def certifier(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """Every broken connector's certification in its own `omni-harness certify` process (own ports, own report
    folder), several at a time; each test awaits the one it needs."""
    root = Path(os.environ[REPORTS_VARIABLE]) if os.environ.get(REPORTS_VARIABLE) else \
        tmp_path_factory.mktemp("broken-connectors")
    c = Certifier(discover(), root, int(os.environ.get(JOBS_VARIABLE) or DEFAULT_JOBS))
    # Start what the selected tests need now, so the certifications overlap: in one process, or on the one
    # pytest-xdist worker that runs test_broken_connectors.py (`--dist loadfile` keeps a file on one worker; a
    # worker collects every test, so `_needed` sees them all).
    c.start(_needed(request.session))
    yield c
    c.close()
