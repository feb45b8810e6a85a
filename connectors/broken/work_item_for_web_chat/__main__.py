"""`python -m omni_harness.connectors.broken.work_item_for_web_chat`: the reference connector, started with its broken part."""

from omni_harness.connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
