"""A connector that only authenticates and subscribes, then does nothing, fails every requirement whose behaviour
needs a connector. ROUTE-2 still passes: a plain web chat stays in the client by the platforms alone."""

from __future__ import annotations

import sys

from omni_harness.harness.requirements import Profile, catalogue

# What the platforms satisfy without any connector.
PLATFORM_ALONE = {"ROUTE-2"}


def test_the_idle_connector_fails_every_core_requirement_that_needs_a_connector(tmp_path, certify_run):
    run = certify_run(tmp_path / "report", "--connector", f"{sys.executable} -m omni_harness.connectors.idle",
                      "--profile", "core", "--timeout", "2")
    verdicts = run.verdicts()
    core = {rid for rid, r in catalogue().items() if r.profile is Profile.CORE}
    assert set(verdicts) == core, run.output
    assert {rid for rid, v in verdicts.items() if v == "passed"} == PLATFORM_ALONE, run.output
    assert run.exit_code == 1
    assert "NOT CERTIFIED" in run.output
    assert run.summary["startupError"] is None  # it was ready: it authenticated and subscribed
