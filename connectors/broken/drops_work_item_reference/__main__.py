"""`python -m omni_harness.connectors.broken.drops_work_item_reference`: the reference connector, started with its broken part."""

from omni_harness.connectors.broken.base import main

from . import Genesys

if __name__ == "__main__":
    main(Genesys)
