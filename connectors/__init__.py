"""Connectors that bridge Genesys Cloud and Salesforce Omni-Channel; each talks to the platforms over the wire only."""
