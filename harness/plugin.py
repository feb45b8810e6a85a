"""pytest plugin of the certification suite: its options and hooks (`-p omni_harness.harness.plugin`).

The jobs live beside it: `omni_harness.harness.runconfig` reads the run's settings from the options, `omni_harness.harness.selection` decides
which scenarios run, `omni_harness.harness.controller` starts and stops the fakes and the connector and gathers the results (in
the process that owns the run), `omni_harness.harness.fixtures` gives each scenario its stack, agents and context.

Options: `--connector CMD` (default: the manifest's command, else the bundled reference connector),
`--manifest PATH` (default: the `connector.yaml` beside the connector), `--profile declared|core|extended|all`,
`--requirement ID`, `--timeout S` (the wait of each step; when pytest-timeout owns `--timeout`, its value is used),
`--omni-ready-timeout S`. Scenarios of requirements the manifest does not declare are skipped as "not declared".
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

import pytest

from .connector import DEFAULT_READY_TIMEOUT
from .controller import CONTROLLER, Controller
from .manifest import ManifestError
from .media import MEDIA_CHOICES
from .requirements import FLAG_TAGS, REQUIREMENT_TAG, Profile, catalogue
from .results import BDD_REPORT
from .runconfig import is_worker, manifest_lookup, selection
from .selection import DECLARED, PROFILE_CHOICES, SelectionError, scenario_of_function, select_items
from .waits import DEFAULT_TIMEOUT, expectation_of

pytest_plugins = ("omni_harness.harness.fixtures",)
STEP_MODULES = ("omni_harness.harness.steps.common", "omni_harness.harness.steps.presence", "omni_harness.harness.steps.routing", "omni_harness.harness.steps.pickup",
                "omni_harness.harness.steps.ending", "omni_harness.harness.steps.wrapup", "omni_harness.harness.steps.transfer", "omni_harness.harness.steps.resilience",
                "omni_harness.harness.steps.scale")


# -- options -----------------------------------------------------------------------------------------
def _timeout_option_taken(pluginmanager: pytest.PytestPluginManager) -> bool:
    """pytest-timeout also defines `--timeout`; when it will be loaded, its option serves both."""
    if pluginmanager.has_plugin("timeout"):
        return True
    if pluginmanager.is_blocked("timeout") or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return importlib.util.find_spec("pytest_timeout") is not None


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("omni-harness", "connector certification")
    group.addoption("--connector", dest="omni_connector", default=None, metavar="CMD",
                    help="command that starts the connector (default: the manifest's command, else the bundled "
                         "reference connector)")
    group.addoption("--manifest", dest="omni_manifest", default=None, metavar="PATH",
                    help="the connector's manifest (default: connector.yaml beside the connector)")
    group.addoption("--profile", dest="omni_profile", default=DECLARED, choices=list(PROFILE_CHOICES),
                    help="requirements to certify: declared (the profiles the manifest declares; default), core, "
                         "extended (core + extended) or all")
    if not _timeout_option_taken(pluginmanager):
        group.addoption("--timeout", dest="timeout", type=float, default=None, metavar="S",
                        help=f"seconds each step waits for the expected state (default {DEFAULT_TIMEOUT:g})")
    group.addoption("--media", dest="omni_media", default=None, choices=list(MEDIA_CHOICES),
                    help="media to certify: chat, messaging or all (default: the media the manifest declares; "
                         "chat without a manifest)")
    group.addoption("--requirement", dest="omni_requirements", action="append", default=[], metavar="ID",
                    help="only scenarios of this requirement (repeatable, or comma-separated ids)")
    group.addoption("--omni-run-dir", dest="omni_run_dir", default=None, metavar="DIR",
                    help="folder for locks, generated settings and logs of this run (default: a new temp folder)")
    group.addoption("--omni-report-dir", dest="omni_report_dir", default=None, metavar="DIR",
                    help="write connector.log, summary.json, scenarios.json and journal.ndjson here")
    group.addoption("--omni-slots", dest="omni_slots", type=int, default=None, metavar="N",
                    help="scenarios that can run at once (default: the number of xdist workers)")
    group.addoption("--omni-progress", dest="omni_progress", action="store_true", default=False,
                    help="one line per finished scenario instead of pytest's letters")
    group.addoption("--omni-no-summary", dest="omni_no_summary", action="store_true", default=False,
                    help="no verdict table at the end (the caller prints its own)")
    group.addoption("--omni-ready-timeout", dest="omni_ready_timeout", type=float, default=DEFAULT_READY_TIMEOUT,
                    metavar="S", help=f"seconds the connector gets to authenticate and subscribe (default {DEFAULT_READY_TIMEOUT:g})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the requirement (DESIGN §4.4) a scenario covers")
    config.addinivalue_line("markers", "profile(name): core, extended, resilience or scale")
    for name, text in FLAG_TAGS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    for module in STEP_MODULES:
        if not config.pluginmanager.has_plugin(module):
            config.pluginmanager.import_plugin(module)
    try:
        manifest_lookup(config)
        selection(config)
    except (ManifestError, SelectionError) as exc:
        raise pytest.UsageError(str(exc)) from None
    if not is_worker(config):
        controller = Controller(config)
        config.stash[CONTROLLER] = controller
        config.pluginmanager.register(controller, "omni-harness-controller")


# -- tags, media, selection ----------------------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every scenario runs once per selected medium it applies to (`[chat]`, `[messaging]`): one feature text, the
    medium as a parameter (DESIGN §4.7)."""
    if "omni_medium" not in metafunc.fixturenames or scenario_of_function(metafunc.function) is None:
        return
    cat = catalogue()
    ids = [m.args[0] for m in metafunc.definition.iter_markers("requirement") if m.args]
    media = [m for m in selection(metafunc.config).media
             if not ids or any(cat[r].applies_to(m) for r in ids if r in cat)]
    metafunc.parametrize("omni_medium", [str(m) for m in media], indirect=True, ids=[str(m) for m in media])



@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> Any:
    if REQUIREMENT_TAG.match(tag):
        pytest.mark.requirement(tag)(function)
        return True
    if tag in {p.value for p in Profile}:
        pytest.mark.profile(tag)(function)
        return True
    if tag in FLAG_TAGS:
        getattr(pytest.mark, tag)(function)
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = select_items(items, selection(config), manifest_lookup(config))
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


# -- what a scenario's report carries ------------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any):
    """pytest-bdd keeps a scenario's step report beside the test report, where pytest-xdist does not carry
    it; in a worker it rides along as a user property, and the controller puts it back (cucumber.json)."""
    outcome = yield
    if not is_worker(item.config):
        return
    try:
        from pytest_bdd.reporting import test_report_context_registry
    except ImportError:  # another pytest-bdd: its own report carries it, or nothing does
        return
    report = outcome.get_result()
    context = test_report_context_registry.get(report)
    if context is not None:
        report.user_properties.append((BDD_REPORT, json.dumps({"scenario": context.scenario, "name": context.name})))


def _step_kind(request: pytest.FixtureRequest, kind: str | None) -> None:
    """Tells the scenario which kind of step runs: a wait in a Given may stop early (omni_harness.harness.unreached)."""
    try:
        context = request.getfixturevalue("ctx")
    except Exception:  # not a scenario of the suite, or its context could not be built
        return
    context.step_kind = kind


def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                           step_func: Any) -> None:
    _step_kind(request, str(getattr(step, "type", "") or "") or None)


def pytest_bdd_after_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any,
                          step_func_args: Any) -> None:
    _step_kind(request, None)


def pytest_bdd_step_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any,
                          step_func_args: Any, exception: Exception) -> None:
    _step_kind(request, None)
    expected, seen = expectation_of(exception)
    request.node.user_properties += [("failed_step", f"{step.keyword} {step.name}"),
                                     ("failed_expectation", expected or f"{step.keyword} {step.name}"),
                                     ("failed_seen", seen)]
