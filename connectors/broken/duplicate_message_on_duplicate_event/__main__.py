"""`python -m omni_harness.connectors.broken.duplicate_message_on_duplicate_event`: the reference connector, started with its broken part."""

from omni_harness.connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
