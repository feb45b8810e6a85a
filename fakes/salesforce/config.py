"""Settings of the Salesforce fake: values the platform leaves to configuration, and the `# inferred:` switches.

`SalesforceConfig` is the org's (`fake.config`), `StreamingConfig` the CometD server's (`fake.streaming.config`),
`SoqlConfig` the query language's (`SOQL`, read by the parser and evaluator). Change a field to model another guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

API_VERSION = "67.0"
MIN_API_VERSION = 41
MAX_API_VERSION = 67


@dataclass
class SalesforceConfig:
    """The org's settings (`fake.config`)."""

    # inferred: PresenceUserConfig Capacity has no default; 4 matches Genesys' default chat utilization.
    agent_capacity: int = 4
    # inferred: the routing configuration's push time-out (seconds); 0 turns push time-outs off.
    push_timeout_seconds: int = 60
    # routing configuration's units of capacity per chat
    capacity_weight: float = 1.0
    # Presence status developer names linked to channels (ServiceChannelStatus rows); the USP rows of a status
    # with no channel carry IsAway = true (inferred).
    status_channels: dict[str, list[str]] = field(
        default_factory=lambda: {"Online": ["sfdc_livechat", "sfdc_livemessage"], "Busy": [], "Away": []})
    # REST query batches (2,000 by default; `Sforce-Query-Options: batchSize=N` asks for 200..2,000).
    query_batch_size: int = 2000
    query_batch_min: int = 200
    # Daily API request allocation (Sforce-Limit-Info, /limits DailyApiRequests); beyond it every REST call answers
    # 403 REQUEST_LIMIT_EXCEEDED. None: an Enterprise Edition org's allocation, 100,000 plus 1,000 per Salesforce
    # licence (the org's active standard users), counted over a rolling 24 hours.
    # inferred: the platform lets an org overshoot the allocation a little before refusing; the fake refuses at once.
    api_request_limit: int | None = None
    api_requests_per_org: int = 100_000
    api_requests_per_licence: int = 1_000
    api_request_window_seconds: float = 24 * 3600.0
    session_ttl_seconds: int = 7200
    # inferred (reference §12 open question): the sender's Transferred work gets a CloseDateTime.
    transferred_sets_close_time: bool = True
    # inferred: logging out of Omni-Channel closes the agent's opened work (tab-based capacity, reference §4).
    logout_closes_opened_work: bool = True
    # inferred: moving to a status without the work's channel makes Assigned work Unavailable.
    status_change_unavailable: bool = True
    # Custom channel name of the current external-routing guide (its CometD path spells `_chn`).
    external_routing_channel: str = "ExternalRoutingChannel__chn"
    # inferred: the fake's clients run from a trusted IP range, so the password may come with or without the
    # security token appended; set True to insist on it as an org without trusted ranges does.
    require_security_token: bool = False
    # Client credentials must hit the org's My Domain host; the generic login hosts refuse it.
    client_credentials_refused_hosts: tuple[str, ...] = ("login.salesforce.com", "test.salesforce.com")
    # inferred: access tokens live a fixed time from issue (the platform also extends sessions on activity).
    sliding_expiry: bool = False
    organization_name: str = "omni-harness"
    # inferred: an agent's session (any user but the integration user) may update or delete only its own
    # PendingServiceRouting (work routed to it), AgentWork, UserServicePresence and conversations (owned by it, routed
    # to it, or still in a queue); False gives agents the integration user's access.
    agent_record_access: bool = True
    # inferred: the status of INSUFFICIENT_ACCESS_OR_READONLY; a save error of one record answers 400 like the other
    # save errors (some clients report 403 for the same code).
    record_access_status: int = 400


@dataclass
class StreamingConfig:
    """What the platform leaves to the CometD server, and what this fake lets a test tune."""

    # How long a /meta/connect is held when nothing is queued (real seconds). Ours to set: the platform holds
    # 110 s, a shorter hold keeps server threads free; it is what `advice.timeout` announces.
    hold_seconds: float = 20.0
    # A client that has not polled for this long (virtual seconds) is forgotten (platform: 40 s keepalive).
    client_timeout_seconds: float = 40.0
    cdc_retention_seconds: float = 72 * 3600.0
    pushtopic_retention_seconds: float = 24 * 3600.0
    cdc_entities: tuple[str, ...] = ("PendingServiceRouting", "AgentWork", "UserServicePresence",
                                     "LiveChatTranscript", "MessagingSession", "MessagingEndUser")
    # The external-routing custom channel (reference §5); the guide's CometD path spells it `_chn`, so both
    # spellings are served.
    external_routing_channels: tuple[str, ...] = ("/data/ExternalRoutingChannel__chn",
                                                  "/data/ExternalRoutingChannel_chn")
    min_version: float = 36.0
    max_version: float = 67.0
    current_version: str = "67.0"
    # The replay extension needs API 37.0 or later (reference §8.2).
    replay_min_version: float = 37.0
    max_request_bytes: int = 32_768

    @classmethod
    def for_org(cls, config: SalesforceConfig) -> StreamingConfig:
        """The org's external-routing channel under both its spellings."""
        out = cls()
        name = config.external_routing_channel
        if name:
            out.external_routing_channels = (f"/data/{name}", f"/data/{name.replace('__chn', '_chn')}")
        return out


@dataclass
class SoqlConfig:
    """The query language's limits and error texts (`SOQL`)."""

    max_offset: int = 2000
    fields_limit: int = 200  # FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most this
    # inferred: the platform's exact caret window is not documented; observed messages show about 30
    # characters either side of the error, widened to whole tokens.
    window_chars: int = 30
    # inferred: older SOAP answers gave syntax errors without the caret block; REST answers carry it.
    syntax_errors_positioned: bool = True
    # Since Summer '24 the platform answers MALFORMED_QUERY where it used to say INVALID_QUERY_FILTER_OPERATOR
    # (release notes). Set to "INVALID_QUERY_FILTER_OPERATOR" to mimic older orgs.
    filter_error_code: str = "MALFORMED_QUERY"


SOQL = SoqlConfig()
