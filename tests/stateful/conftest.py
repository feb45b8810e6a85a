"""Fixtures of the stateful tests: one fake per module (building the apps is the slow part), reset by each example."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omni_harness.fakes.core import World
from omni_harness.fakes.genesys import GenesysFake
from omni_harness.fakes.genesys import build as build_genesys
from omni_harness.fakes.salesforce import SalesforceFake
from omni_harness.fakes.salesforce import build as build_salesforce


@pytest.fixture(scope="module")
def genesys() -> Iterator[GenesysFake]:
    world = World(seed=7, agents=4)
    fake = build_genesys(world)
    yield fake
    world.clock.close()


@pytest.fixture(scope="module")
def salesforce() -> Iterator[SalesforceFake]:
    world = World(seed=7, agents=4)
    fake = build_salesforce(world)
    fake.bind({"api": "https://127.0.0.1:8443"})
    yield fake
    world.clock.close()
