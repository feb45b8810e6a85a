"""`python -m connectors.broken.disconnects_on_chat_end`: the reference connector, started with its broken part."""

from connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
