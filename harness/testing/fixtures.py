"""The fixtures of the `omni_harness` pytest plugin (registered by `omni_harness.harness.testing.pytest_plugin`).

The pytest-httpserver pattern: one session-scoped stack (both fakes, TLS, ephemeral ports) and a reset of
both fakes before each test that uses them. Every import of the fakes and the harness happens inside a
fixture, so a run that uses none of them pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from omni_harness.fakes.runner import Stack

    from ..connector import ConnectorProcess
    from .events import EventWaiter
    from .faults import FaultRules
    from .people import Agent, Customer
    from .platforms import Fakes


class ConnectorEnv(dict):
    """The connector environment (the connector contract) as a dict, and `env_file`: the same as `KEY=value` lines."""

    env_file: Path

    def __init__(self, values: dict[str, str], env_file: Path) -> None:
        super().__init__(values)
        self.env_file = env_file


@pytest.fixture(scope="session")
def omni_seed() -> dict[str, int]:
    """The seed plan of the session's fakes; override it in a conftest.py (`seed`, `agents`, `queues`)."""
    return {"seed": 0, "agents": 6, "queues": 3}


@pytest.fixture(scope="session")
def omni_stack(omni_seed: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Both fakes, served over TLS (a generated CA) on ephemeral ports, for the whole session."""
    from omni_harness.fakes.core import World
    from omni_harness.fakes.runner import start_stack

    stack = start_stack(World(**omni_seed), tls=True, workdir=tmp_path_factory.mktemp("omni-harness"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def omni_fakes(omni_stack: Stack) -> Iterator[Fakes]:
    """The session's fakes, reset to the seeded org before the test (faults removed, journal emptied)."""
    from .platforms import Fakes

    fakes = Fakes.of_stack(omni_stack)
    fakes.reset()
    try:
        yield fakes
    finally:
        fakes.close()


@pytest.fixture
def connector_env(omni_fakes: Fakes, tmp_path: Path) -> ConnectorEnv:
    """What a connector is started with: the environment dict, and `.env_file` with the same lines."""
    stack = omni_fakes.stack
    assert stack is not None
    path = stack.write_env_file(tmp_path / "omni-harness.env")
    return ConnectorEnv(stack.env(), path)


@pytest.fixture
def agent_factory(omni_fakes: Fakes) -> Iterator[Callable[..., Agent]]:
    """`agent_factory()` -> the next seeded agent not yet taken in this test; `agent_factory(email=...)` a given one.

    Each agent has its own Genesys user token and Salesforce console session."""
    from .people import Agent

    made: list[Agent] = []

    def make(email: str | None = None) -> Agent:
        taken = {a.email for a in made}
        people = omni_fakes.people
        if email is not None:
            person = next((p for p in people if p.email.lower() == email.lower()), None)
            if person is None:
                raise LookupError(f"no seeded agent has the email {email!r}")
        else:
            person = next((p for p in people if p.email not in taken), None)
            if person is None:
                raise LookupError(f"all {len(people)} seeded agents are taken; raise `agents` in the omni_seed fixture")
        new = Agent(omni_fakes, person)
        made.append(new)
        return new

    yield make
    for a in made:
        a.close_sessions()


@pytest.fixture
def agent(agent_factory: Callable[..., Agent]) -> Agent:
    """The first seeded agent, with their Genesys client and Salesforce console."""
    return agent_factory()


@pytest.fixture
def customer(omni_fakes: Fakes) -> Customer:
    """The customer on the website: `open_chat(queue)`, `say(text)`, `leave()`."""
    from .people import Customer

    return Customer(omni_fakes)


@pytest.fixture
def fault(omni_fakes: Fakes) -> Iterator[FaultRules]:
    """`fault("genesys", path=..., status=429, count=1)`: fault rules removed again after the test."""
    from .faults import FaultRules

    rules = FaultRules(omni_fakes)
    yield rules
    rules.clear()


@pytest.fixture
def wait_for(omni_fakes: Fakes) -> EventWaiter:
    """`wait_for("console.tab", action="opened")` or `wait_for(predicate, "what")`, on the fakes' event feed."""
    from .events import EventWaiter

    return EventWaiter(omni_fakes.control())


@pytest.fixture
def connector_process(connector_env: ConnectorEnv, omni_fakes: Fakes,
                      tmp_path: Path) -> Iterator[Callable[..., ConnectorProcess]]:
    """`connector_process(command=None)`: starts a connector (default: the bundled reference connector) with the
    connector environment and waits until both fakes saw it authenticate and subscribe, as `certify` does.
    Every connector started is stopped (SIGTERM, then SIGKILL) after the test; its log is `proc.log_path`."""
    from ..connector import DEFAULT_READY_TIMEOUT, ConnectorProcess

    started: list[ConnectorProcess] = []

    def start(command: str | list[str] | None = None, env: dict[str, str] | None = None,
              ready_timeout: float = DEFAULT_READY_TIMEOUT, wait_ready: bool = True) -> ConnectorProcess:
        log = tmp_path / f"connector-{len(started) + 1}.log"
        proc = ConnectorProcess(command, {**connector_env, **(env or {})}, log)
        control = omni_fakes.control()
        mark = control.last_seq()
        proc.start()
        started.append(proc)
        if wait_ready:
            proc.wait_ready(control, mark, ready_timeout)
        return proc

    yield start
    for proc in reversed(started):
        proc.stop()


@pytest.fixture
def mock_platforms() -> Iterator[Any]:
    """Both fakes answered in process for `requests` calls to the platforms' real hosts: no port, no thread."""
    from .inprocess import MockPlatforms

    with MockPlatforms() as platforms:
        yield platforms
