"""`python -m omni_harness.connectors.broken.inserts_twice_on_pick_up`: the reference connector, started with its broken part."""

from omni_harness.connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
