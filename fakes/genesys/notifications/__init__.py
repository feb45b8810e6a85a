"""The Genesys push channel: notification channels and their sockets.

`backend` holds the channels' state and every rule (`NotificationBackend`, the org root's `notifications`);
`socket_app` is the socket listener; `connection` and `wire` carry one socket; `topics` is the topic catalogue.
The REST operations on channels are handlers like any other, in `routes/notifications.py`.
"""
