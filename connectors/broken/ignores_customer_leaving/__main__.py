"""`python -m connectors.broken.ignores_customer_leaving`: the reference connector, started with its broken part."""

from connectors.broken.base import main

from . import Engine

if __name__ == "__main__":
    main(Engine)
