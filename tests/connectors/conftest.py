"""Fixtures for the reference connector's unit tests: an engine wired to in-memory platforms and real books."""

from __future__ import annotations

import pytest
from connector_doubles import SETTINGS, GenesysDouble, SalesforceDouble, directory

from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.store import Books


class Harness:
    """An engine plus its doubles; `restart()` builds a new engine from the books on disk."""

    def __init__(self, state_dir) -> None:
        self.state_dir = state_dir
        self.genesys = GenesysDouble()
        self.salesforce = SalesforceDouble()
        self.directory = directory()
        self.books = Books(state_dir)
        self.engine = SyncEngine(self.genesys, self.salesforce, self.directory, self.books, SETTINGS)

    def restart(self) -> None:
        self.books = Books(self.state_dir)
        self.engine = SyncEngine(self.genesys, self.salesforce, self.directory, self.books, SETTINGS)

    def snapshot(self, cid: str) -> None:
        """Deliver the conversation as a notification would (its current state)."""
        self.engine.on_conversation(self.genesys.view(cid))


@pytest.fixture
def h(tmp_path) -> Harness:
    return Harness(tmp_path)
