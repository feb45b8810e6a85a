"""Running the fakes in your own tests: the `omni_harness` pytest plugin's building blocks and `mock_platforms`.

Imports are lazy (pytest loads the plugin in every run), so `import omni_harness.harness.testing` costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "mock_platforms": "inprocess",
    "MockPlatforms": "inprocess",
    "active_platforms": "inprocess",
    "Fakes": "platforms",
    "Agent": "people",
    "Customer": "people",
    "Chat": "people",
    "EventWaiter": "events",
    "WaitTimeout": "events",
    "match_event": "events",
    "FaultRules": "faults",
    "ConnectorEnv": "fixtures",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
