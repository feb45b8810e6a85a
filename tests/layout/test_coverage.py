"""fakes/COVERAGE.md is the route specs of both fakes, as they are now; each fake lists its own routes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from omni_harness.fakes import coverage


def test_coverage_file_is_current() -> None:
    assert coverage.COVERAGE_FILE.read_text() == coverage.render(), "run `python -m omni_harness.fakes.coverage --write`"


@pytest.mark.parametrize("platform", sorted(coverage.PLATFORMS))
def test_each_fake_lists_its_routes(platform: str) -> None:
    out = subprocess.run([sys.executable, "-m", f"omni_harness.fakes.{platform}.routes", "--list"], capture_output=True,
                         text=True, check=True).stdout
    specs = coverage.platform_specs()[platform]
    assert specs, f"{platform} declares no route"
    for spec in specs:
        assert f"| {spec.method} | `{spec.rule}` |" in out, f"{spec.method} {spec.rule} missing from --list"
