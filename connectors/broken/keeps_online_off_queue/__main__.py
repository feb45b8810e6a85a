"""`python -m omni_harness.connectors.broken.keeps_online_off_queue`: the reference connector, started with its broken part."""

from omni_harness.connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
