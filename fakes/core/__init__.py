"""What both fakes share: clock, ids, journal and event feed, faults, control API, TLS, server runner."""

from .app import create_fake_app
from .clock import VirtualClock
from .errors import ControlError, FakeError
from .faults import FaultAction, FaultEngine, FaultRule
from .ids import IdFactory, sf_checksum, sf_is_id, sf_to18
from .journal import Entry, Journal
from .seed import Person, QueuePair, SeedPlan
from .server import RunningServer, serve_app
from .tls import LocalCA
from .world import Fake, World

__all__ = [
    "ControlError", "Entry", "Fake", "FakeError", "FaultAction", "FaultEngine", "FaultRule", "IdFactory",
    "Journal", "LocalCA", "Person", "QueuePair", "RunningServer", "SeedPlan", "VirtualClock", "World",
    "create_fake_app", "serve_app", "sf_checksum", "sf_is_id", "sf_to18",
]
