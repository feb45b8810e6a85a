"""The Streaming API (CometD / Bayeux long-polling): clients, subscriptions with replay, change events, PushTopics.

backend.py is the server state (`StreamingBackend`, `fake.streaming`), channels.py which channels a record change
is published on and what it carries, replay.py the retained events with their replay ids. The HTTP handlers are
routes/streaming.py.
"""
