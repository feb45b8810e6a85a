"""`python -m omni_harness.connectors.broken.duplicate_chat_on_duplicate_event`: the reference connector, broken."""

from omni_harness.connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
