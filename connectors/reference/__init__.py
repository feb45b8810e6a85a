"""The reference connector: Genesys Cloud <-> Salesforce Omni-Channel for externally routed chats.

Start it with `python -m omni_harness.connectors.reference`; it is configured only by the environment (see README.md).
"""

__version__ = "1.0.0"
NAME = "omni-reference-connector"
