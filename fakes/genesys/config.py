"""Settings of the Genesys fake for behaviours the reference could not confirm (each one `# inferred:`).

`GenesysConfig` is the org's (`fake.config`), `NotificationConfig` the notification service's
(`fake.notifications.config`). Change a field to model another guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_TOKEN_SECONDS = 86399  # inferred: about 24 h, the default token lifetime of an OAuth client
MEDIA_CHAT = "chat"
MEDIA_MESSAGING = "messaging"
MEDIA_BOTH = (MEDIA_CHAT, MEDIA_MESSAGING)


def parse_media(value: str) -> tuple[str, ...]:
    """`serve --media chat|messaging|both` -> `GenesysConfig.media`."""
    if value == "both":
        return MEDIA_BOTH
    if value in MEDIA_BOTH:
        return (value,)
    raise ValueError(f"media must be chat, messaging or both, not {value!r}")


@dataclass(frozen=True)
class ErrorSpec:
    """An error the platform's documentation does not pin down: status, code and message to answer with."""

    status: int
    code: str
    message: str


class TokenGrant(StrEnum):
    """Which tokens a rate limit counts: those of the client credentials grant, or agents' own user tokens."""

    CLIENT_CREDENTIALS = "client_credentials"
    USER = "user"


@dataclass(frozen=True)
class RateLimit:
    """One of the platform's rate limits: at most `value` requests per token within `window_seconds`.

    `key` and `namespace` are the platform's names (`Limit{key, namespace, value}` of the ErrorBody);
    `paths` are globs of the request paths the limit counts (a route family such as `/api/v2/analytics/*`),
    `grant` the tokens it counts (None: every token).
    """

    key: str
    namespace: str
    value: int
    window_seconds: float = 60.0
    paths: tuple[str, ...] = ("/api/v2/*",)
    grant: TokenGrant | None = None


# The Platform API limits of the Genesys limits table (reference §7): 300 requests per token per minute, for
# client-credentials tokens under their own key. Route families with stricter limits are added as further
# RateLimits with narrower `paths`; every limit whose paths match a request counts it.
PLATFORM_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit("client.credentials.token.rate.per.minute", "platform.api", 300, grant=TokenGrant.CLIENT_CREDENTIALS),
    RateLimit("token.rate.per.minute", "platform.api", 300, grant=TokenGrant.USER),
)
REQUEST_BYTES_MAX = 512_000  # request.bytes.max: the maximum content length of a request payload


@dataclass
class GenesysConfig:
    """Change a field (e.g. `fake.config.external_transfer_error = ErrorSpec(...)`) to model another guess."""

    # inferred: default client-credentials token lifetime (per OAuth client, 300 s .. 48 h)
    token_seconds: int = DEFAULT_TOKEN_SECONDS
    # inferred: real answer to a Genesys-side transfer of an externally routed interaction is unknown
    external_transfer_error: ErrorSpec = field(default_factory=lambda: ErrorSpec(
        403, "conversation.error.transfer.not.allowed",
        "This conversation is routed externally and cannot be transferred from Genesys Cloud."))
    # inferred: the code for a wrap-up code outside the queue's list is not documented
    wrapup_code_not_allowed_error: ErrorSpec = field(default_factory=lambda: ErrorSpec(
        400, "conversation.error.wrapup.code.invalid",
        "The wrap-up code is not valid for this participant's queue."))
    # inferred: declining an ACD alert makes the agent NOT_RESPONDING, like a missed alert
    decline_sets_not_responding: bool = True
    # inferred: the conversation listings of the logged-in user answer not.a.user for a client token
    conversation_list_needs_user: bool = True
    # inferred: a user token may only act on its own agent participant
    user_token_own_participant_only: bool = True
    # inferred: the code Genesys records when the ACW timer runs out (id and name)
    acw_timeout_code_id: str = "7fb334b0-0e9e-11e4-9191-0800200c9a66"
    acw_timeout_code_name: str = "ININ-WRAP-UP-TIMEOUT"
    # The media this org serves: "chat" (ACD web chat v2, `/api/v2/conversations/chats`) and "messaging" (Open
    # Messaging). Without "chat" every chat route answers 404 not.found, as the current API does for a removed
    # resource; Open Messaging is always served (it is the current API).
    media: tuple[str, ...] = MEDIA_BOTH
    # Open Messaging: messages from the same customer join the conversation while it was disconnected for less
    # than this long (the platform's default, help.mypurecloud.com ?p=150713)
    messaging_window_seconds: float = 72 * 3600.0
    # Outbound webhook: 10 s timeout, retried on timeout/429/5xx up to 5 times, 5 s apart (developer guide)
    webhook_timeout_seconds: float = 10.0
    webhook_retries: int = 5
    webhook_retry_seconds: float = 5.0
    # inferred: how long an asynchronous integration create takes (0: the next read already sees Completed)
    integration_create_seconds: float = 0.0
    # inferred: a new conversation on an integration with no inbound message flow (no queue) is refused
    open_message_no_flow_error: ErrorSpec = field(default_factory=lambda: ErrorSpec(
        400, "bad.request", "The integration has no inbound message flow to route the conversation."))
    # inferred: inbound messages to an integration whose create has not completed are refused
    integration_not_ready_error: ErrorSpec = field(default_factory=lambda: ErrorSpec(
        400, "bad.request", "The integration is not ready: its createStatus is not Completed."))
    # An agent's own user token acts only on its own user and the conversations it takes part in; other users,
    # queue settings and members, integrations and inbound messages need the integration's client-credentials
    # grant or an admin user (403 missing.permissions). inferred: which permission each such call names.
    agent_token_permissions: bool = True
    # The Platform API rate limits, counted per token on wall-clock (monotonic) time; () or
    # `rate_limits_enabled = False` turns them off. A throttled request answers 429 with `Retry-After`.
    rate_limits: tuple[RateLimit, ...] = PLATFORM_RATE_LIMITS
    rate_limits_enabled: bool = True
    # Bodies longer than this answer 413 before they are read (None: no limit).
    request_bytes_max: int | None = REQUEST_BYTES_MAX


@dataclass
class NotificationConfig:
    """Limits and the behaviours the reference could not confirm (each `# inferred:` where it is a guess)."""

    channel_limit: int = 20  # per user/app combination (SDK 269 docstring)
    topic_limit: int = 1000  # per channel (secondary source)
    channel_lifetime_seconds: float = 24 * 3600.0  # secondary source: 24 h, resubscribing extends it
    heartbeat_seconds: float = 30.0  # secondary source
    # Catch-up heartbeats after a big clock jump, at most this many intervals behind.
    heartbeat_catch_up: int = 10
    # inferred: a v2.system.socket_closing warning this long before a channel expires (None: no warning)
    expiry_warning_seconds: float | None = 60.0
    # inferred: the status for a channel owned by another user/app (HEAD always answers 404)
    foreign_channel_status: int = 403
    # inferred: the close codes; the platform's are not documented (1001 is reported for idle closes)
    close_code_expired: int = 1000
    close_code_replaced: int = 1000
    close_code_removed: int = 1000
    close_code_token: int = 1000
    close_code_fault: int = 1001
    close_code_maintenance: int = 1001
    # inferred: a consumer that does not read is disconnected once more than this many messages wait for its
    # socket and the socket has taken nothing for `slow_consumer_seconds` (real time): a reader that falls behind
    # in a burst keeps taking bytes and is never cut off. The platform documents no number. None: no bound.
    max_queued_messages: int | None = 10_000
    slow_consumer_seconds: float = 5.0
    # inferred: the close code sent to a consumer cut off for not reading, when its socket still takes the close
    # frame (otherwise the connection just ends)
    close_code_slow_consumer: int = 1008
    # inferred: the platform does not buffer events for a channel with no open socket
    buffer_while_disconnected: bool = False
    # inferred: answer a socket upgrade for an unknown channel with a 404 instead of accepting it
    reject_unknown_channel_upgrade: bool = True
    # Write every queued frame of a socket in one system call (False: one call per frame, as a
    # send per message would; kept to measure the difference).
    batch_frames: bool = True
    # Send each write at once (TCP_NODELAY) instead of letting Nagle's algorithm hold it for an ACK
    # (False: the socket's default, kept to measure the difference).
    tcp_nodelay: bool = True
