"""Flask fakes of Genesys Cloud and Salesforce Omni-Channel; imports nothing from harness/ or connectors/."""
