"""The fixtures of the certification suite: the running stack, the platforms' clients, the pool of agents and
queues, and each scenario's context (its lease, its wait scope, its clean-up and record).

A scenario of a run whose connector never became ready is skipped "not run" with the readiness error as the reason,
before it leases anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .controller import CONTROLLER, STACK_FILE, STARTUP_LOCK
from .coordinator import restart_connector
from .lease import FileLock, Guard, worker_index
from .media import Medium
from .results import NOT_RUN_PROPERTY, RECORD
from .runconfig import RUN_DIR, is_worker, step_timeout
from .scenario import Platforms, ScenarioContext, ScenarioRecord
from .selection import item_profile, item_requirements, scenario_of
from .stackinfo import StackInfo
from .waits import reset_scope, set_scope


@pytest.fixture(scope="session")
def omni_stack(request: pytest.FixtureRequest) -> StackInfo:
    """The running stack, as plain data (also in xdist workers)."""
    config = request.config
    if is_worker(config):
        run_dir = Path(config.workerinput[RUN_DIR])
        lock = FileLock(run_dir / STARTUP_LOCK)
        lock.acquire(exclusive=False)  # held by the controller until the stack and the connector are up
        lock.release()
        info = StackInfo.from_json((run_dir / STACK_FILE).read_text())
    else:
        info = config.stash[CONTROLLER].wait_started()
    return info


def skip_unless_ready(request: pytest.FixtureRequest, info: StackInfo) -> None:
    """A scenario of a run whose connector never became ready is not run, with the readiness error as the
    reason: it says nothing about the requirement, so it is never "failed"."""
    error = info.extra.get("startup_error")
    if error:
        request.node.user_properties.append((NOT_RUN_PROPERTY, "not run: the connector was not ready: "
                                             + error.splitlines()[0]))
        pytest.skip("not run: the connector was not ready")


@pytest.fixture
def omni_ready(request: pytest.FixtureRequest, omni_stack: StackInfo) -> StackInfo:
    """The stack, once the connector is ready (the scenario is skipped as "not run" otherwise)."""
    skip_unless_ready(request, omni_stack)
    return omni_stack


@pytest.fixture(scope="session")
def omni_platforms(omni_stack: StackInfo):
    platforms = Platforms(omni_stack)
    yield platforms
    platforms.close()


@pytest.fixture(scope="session")
def omni_pool(omni_platforms):
    return omni_platforms.pool(preferred=worker_index())


@pytest.fixture
def omni_medium(request: pytest.FixtureRequest) -> Medium:
    """The medium the scenario runs on (the plugin parametrizes every scenario with the selected media)."""
    return Medium(getattr(request, "param", Medium.CHAT))


@pytest.fixture
def ctx(request: pytest.FixtureRequest, omni_stack: StackInfo, omni_ready, omni_platforms, omni_pool,
        omni_medium: Medium):
    """The scenario's context: its lease of agents and queues, and the wait scope of its steps."""
    item = request.node
    template = scenario_of(item)
    exclusive = item.get_closest_marker("exclusive") is not None
    web_chat = item.get_closest_marker("webchat") is not None
    guard = Guard(Path(omni_stack.run_dir) / "locks")
    with guard.hold(exclusive):
        lease = omni_pool.lease(web_chat=web_chat, medium=omni_medium)
        context = None
        try:
            record = ScenarioRecord(item.nodeid, template.name if template else item.name,
                                    template.feature.name if template else "", item_requirements(item),
                                    item_profile(item) or "", medium=str(omni_medium))
            omni_platforms.tagger.sent.clear()
            context = ScenarioContext(omni_platforms, lease, record, step_timeout(request.config), pool=omni_pool,
                                      medium=omni_medium)
            context.prepare()
            token = set_scope(context)
            try:
                yield context
            finally:
                reset_scope(token)
                try:
                    context.cleanup()
                finally:
                    item.user_properties.append((RECORD, json.dumps(record.to_json())))
        finally:
            if context is not None:
                context.release_extra_slots()
            lease.release()


class ConnectorHandle:
    """The connector under test, as a scenario sees it: where it logs, and a restart (RES-5)."""

    def __init__(self, info: StackInfo) -> None:
        self.info = info

    @property
    def state_dir(self) -> str | None:
        return self.info.env.get("CONNECTOR_STATE_DIR")

    def restart(self) -> float:
        if not self.info.coordinator_url:
            raise RuntimeError("this run cannot restart the connector")
        return restart_connector(self.info.coordinator_url)


@pytest.fixture(scope="session")
def omni_connector(omni_stack: StackInfo) -> ConnectorHandle:
    return ConnectorHandle(omni_stack)


@pytest.fixture
def lease(ctx):
    """The scenario's lease: its agents and queue pairs."""
    return ctx.lease


@pytest.fixture
def agents(ctx):
    """The scenario's agents by role name (Alice, Bob, Carol), each with a Genesys client and a console."""
    return ctx.agents


@pytest.fixture
def customer(ctx):
    return ctx.customer


@pytest.fixture(autouse=True)
def _omni_scenario(request: pytest.FixtureRequest, omni_medium: Medium) -> None:
    """Every scenario of the suite gets its context at set-up, before its first step."""
    if scenario_of(request.node) is not None:
        request.getfixturevalue("omni_ready")
        request.getfixturevalue("ctx")
