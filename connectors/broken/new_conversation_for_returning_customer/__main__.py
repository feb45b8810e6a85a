"""`python -m omni_harness.connectors.broken.new_conversation_for_returning_customer`: the reference connector, started with its broken part."""

from omni_harness.connectors.broken.base import main

from . import Genesys

if __name__ == "__main__":
    main(Genesys)
