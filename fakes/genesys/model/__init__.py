"""State and every rule of the Genesys org, one module per platform object family; no HTTP framework here.

State: `org` (users, queues, members, wrap-up codes), `presence` (presence and routing-status vocabulary),
`conversations` (conversations, participants and messages), `tokens` (issued tokens). Rules, each owned by a `*Backend`:
`oauth`, `users` (presence and routing status), `routing` (queues, members, wrap-up codes),
`conversation_backend` (creation, ACD, answer/disconnect, wrap-up, transfer), `messaging` (Open Messaging
integrations, inbound messages, the agent's messages; `webhooks` sends them to the middleware). `fake` is the org
root holding them.
"""
