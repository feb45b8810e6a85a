"""`python -m omni_harness.fakes.genesys.routes --list`: every route of the Genesys fake with its operation and schemas."""

from __future__ import annotations

from ...core.routes import list_routes_main
from . import all_specs

if __name__ == "__main__":
    raise SystemExit(list_routes_main("python -m omni_harness.fakes.genesys.routes", all_specs))
