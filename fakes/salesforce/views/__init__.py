"""Wire shapes of the Salesforce fake: REST and OAuth bodies, console answers, Bayeux replies, the JSON Schemas."""
