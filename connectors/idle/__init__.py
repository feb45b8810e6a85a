"""A connector that only authenticates and subscribes, then does nothing: the suite's do-nothing control.

It logs in to both platforms, opens a Genesys notification channel with topics and its socket, and keeps a
Salesforce streaming subscription alive, so it passes the harness's readiness check; it never acts on an
event. Certifying it shows which requirements need a connector at all. Talks to the platforms over the
wire only (requests, websocket-client); configured by the environment of DESIGN §4.3.
"""
