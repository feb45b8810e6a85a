"""Tunable org behaviour: values the platform leaves to configuration, and inferred behaviours that can be switched."""

from __future__ import annotations

from dataclasses import dataclass, field

API_VERSION = "67.0"
MIN_API_VERSION = 41
MAX_API_VERSION = 67


@dataclass
class OrgSettings:
    # inferred: PresenceUserConfig Capacity has no default; 4 matches Genesys' default chat utilization.
    agent_capacity: int = 4
    # inferred: the routing configuration's push time-out (seconds); 0 turns push time-outs off.
    push_timeout_seconds: int = 60
    # routing configuration's units of capacity per chat
    capacity_weight: float = 1.0
    # Presence status developer names linked to channels (ServiceChannelStatus rows); the USP rows of a status
    # with no channel carry IsAway = true (inferred).
    status_channels: dict[str, list[str]] = field(
        default_factory=lambda: {"Online": ["sfdc_livechat"], "Busy": [], "Away": []})
    # REST query batches (2,000 by default; `Sforce-Query-Options: batchSize=N` asks for 200..2,000).
    query_batch_size: int = 2000
    query_batch_min: int = 200
    # Daily API request allocation reported in Sforce-Limit-Info.
    api_request_limit: int = 15000
    session_ttl_seconds: int = 7200
    # inferred (reference §12 open question): the sender's Transferred work gets a CloseDateTime.
    transferred_sets_close_time: bool = True
    # inferred: logging out of Omni-Channel closes the agent's opened work (tab-based capacity, reference §4).
    logout_closes_opened_work: bool = True
    # inferred: moving to a status without the work's channel makes Assigned work Unavailable.
    status_change_unavailable: bool = True
    # Custom channel name of the current external-routing guide (its CometD path spells `_chn`).
    external_routing_channel: str = "ExternalRoutingChannel__chn"
