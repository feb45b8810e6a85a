"""Fixtures for the fuzz tests: one world with both fakes (building the apps is the slow part), reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from omni_harness.fakes.core import World
from omni_harness.fakes.genesys import GenesysFake
from omni_harness.fakes.genesys import build as build_genesys
from omni_harness.fakes.salesforce import SalesforceFake
from omni_harness.fakes.salesforce import build as build_salesforce


@dataclass
class Fakes:
    world: World
    genesys: GenesysFake
    salesforce: SalesforceFake

    def app(self, platform: str) -> Flask:
        return getattr(self, platform).listeners()["api"]


@pytest.fixture(scope="module")
def module_fakes() -> Iterator[Fakes]:
    world = World(seed=7, agents=4)
    fakes = Fakes(world, build_genesys(world), build_salesforce(world))
    yield fakes
    world.clock.close()


@pytest.fixture
def fakes(module_fakes: Fakes) -> Fakes:
    module_fakes.world.reset()
    module_fakes.world.clock.freeze()  # timers fire only when a test advances the clock
    return module_fakes
