"""Fixtures for the Genesys fake tests: a frozen-clock world, a contract-checking test client (genesys_org) and
the org helpers acting as the integration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from genesys_org import ContractClient, Org, client_token

from omni_harness.fakes.core import World
from omni_harness.fakes.genesys import GenesysFake, build
from omni_harness.fakes.genesys.config import GenesysConfig
from omni_harness.fakes.genesys.routes.conformance import check_event


def unlimited() -> GenesysConfig:
    """The org's defaults without the rate limits: these tests send one token's requests faster than the
    platform's 300 a minute allow (test_limits.py tests the limits)."""
    return GenesysConfig(rate_limits_enabled=False)


@pytest.fixture(scope="module")
def module_fake() -> Iterator[GenesysFake]:
    """One fake per test module (building the app is the slow part); each test gets it reset."""
    w = World(seed=7, agents=4)
    f = build(w, unlimited())
    f.app.test_client_class = ContractClient
    yield f
    w.clock.close()


@pytest.fixture
def fake(module_fake: GenesysFake) -> GenesysFake:
    module_fake.config = unlimited()
    module_fake.world.reset()  # the seeded org again, no tokens, no timers, empty journal
    module_fake.world.clock.freeze()  # timers fire only when a test advances the clock
    return module_fake


@pytest.fixture
def world(fake: GenesysFake) -> World:
    return fake.world


@pytest.fixture
def client(fake: GenesysFake) -> ContractClient:
    c = fake.app.test_client()
    c.checked = []
    return c  # type: ignore[return-value]


@pytest.fixture
def org(fake: GenesysFake, client: ContractClient) -> Iterator[Org]:
    yield Org(fake, client, client_token(fake, client))
    # Every state-change event of the test, and every topic body it carries, matches contracts/genesys.
    for entry in fake.journal.since(0, kinds=["event"], source="genesys"):
        if not entry.type.startswith("notifications."):
            check_event(entry.type, entry.data)
