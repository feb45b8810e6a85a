"""The harness: drives scenarios against a connector, and the `omni-harness` command."""

__version__ = "0.1.0"
