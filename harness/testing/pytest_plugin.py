"""The `omni_harness` pytest plugin (entry point `pytest11`): fixtures for running the fakes in your own tests.

pytest loads this module in every run of an environment where omni-harness is installed, so it stays inert:
it imports nothing but pytest, adds no command-line option, and its one hook only registers the fixture
module. Nothing starts until a test asks for one of the fixtures (`omni_stack`, `omni_fakes`, `agent`, ...).

The certification suite's own plugin (`omni_harness.harness.plugin`) has fixtures of the same names (`omni_stack`,
`customer`) with another meaning; when it is loaded the fixtures here stay out of its way.
"""

from __future__ import annotations

import pytest

FIXTURES_MODULE = "omni_harness.harness.testing.fixtures"
SUITE_PLUGIN = "omni_harness.harness.plugin"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    manager = config.pluginmanager
    if manager.has_plugin(SUITE_PLUGIN) or manager.has_plugin(FIXTURES_MODULE):
        return
    # Imported here, not at load time: the fixture module only defines functions, but a run that never
    # reaches configure (e.g. `pytest --version`) should not pay for it either.
    import importlib

    manager.register(importlib.import_module(FIXTURES_MODULE), FIXTURES_MODULE)
