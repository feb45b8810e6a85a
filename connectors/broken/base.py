"""How a negative control runs: the reference connector, started exactly as usual, with one part replaced."""

from __future__ import annotations

import sys

from omni_harness.connectors.reference import app
from omni_harness.connectors.reference.app import Connector
from omni_harness.connectors.reference.config import Env, SyncSettings
from omni_harness.connectors.reference.engine import SyncEngine
from omni_harness.connectors.reference.genesys_rest import GenesysRest
from omni_harness.connectors.reference.logs import get_log

log = get_log("broken")

Part = type[SyncEngine] | type[GenesysRest]


def connector_class(part: Part) -> type[Connector]:
    """The reference `Connector`, building `part` (an engine or a Genesys client subclass) in place of its own."""
    if not (isinstance(part, type) and issubclass(part, SyncEngine | GenesysRest)):
        raise TypeError(f"a negative control replaces the sync engine or the Genesys client, not {part!r}")
    defect = defect_of(part)

    class BrokenConnector(Connector):
        def __init__(self, env: Env, settings: SyncSettings) -> None:
            super().__init__(env, settings)
            if issubclass(part, GenesysRest):
                # Replaced before anything uses it: the listeners start in run(), the engine is rebuilt below.
                self.genesys = part(self.genesys_auth, self.stop_event)
            engine = part if issubclass(part, SyncEngine) else SyncEngine
            self.engine = engine(self.genesys, self.salesforce, self.directory, self.books, settings)

        def run(self) -> int:
            log.warning("negative control: this connector is broken on purpose", defect=defect,
                        replaces=f"{part.__module__}.{part.__qualname__}")
            return super().run()

    return BrokenConnector


def defect_of(part: Part) -> str:
    """What is broken: the first line of the docstring of the package that defines `part`."""
    module = sys.modules.get(part.__module__)
    doc = (module.__doc__ if module is not None else None) or part.__qualname__
    return doc.strip().splitlines()[0]


def main(part: Part) -> None:
    """`python -m connectors.broken.<name>`: the reference start-up (environment, signals, exit) unchanged."""
    from omni_harness.connectors.reference.__main__ import main as reference_main

    # The reference entry point looks its Connector up in `app` when it starts, so this is the only switch.
    app.Connector = connector_class(part)
    sys.exit(reference_main())
