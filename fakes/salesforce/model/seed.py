"""Builds the seeded org from the plan (users, queues with external routing, channels, presence statuses), and the
Omni-Channel sync settings a connector reads."""

from __future__ import annotations

from typing import Any

from omni_harness.fakes.core.seed import Person, SeedPlan
from omni_harness.fakes.core.seed import sync_settings as core_sync_settings

from .org import SalesforceOrg
from .store import Transaction

CHAT_CHANNEL = "sfdc_livechat"
MESSAGING_CHANNEL = "sfdc_livemessage"
EXTERNAL_ROUTING_CONFIG = "External_Routing"
ENHANCED_CHAT_CHANNEL = "Enhanced_Chat"
_USER_DEFAULTS = {"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
                  "LanguageLocaleKey": "en_US", "IsActive": True}


def _alias(first: str, last: str) -> str:
    return (first[:1] + last)[:8].lower()


def seed_org(fake: SalesforceOrg, plan: SeedPlan) -> None:
    """Fill the (cleared) store. Seeding is not a change of the org, so it appends no journal event."""
    fake.org_id = fake.ids.sf_id("00D")
    integration_id = fake.ids.sf_id("005")
    pending = [integration_id]

    def new_id(prefix: str) -> str:
        # The integration user takes the pre-drawn id, so every seeded record is created by it.
        return pending.pop() if prefix == "005" and pending else fake.ids.sf_id(prefix)

    tx = Transaction(fake.store, new_id, fake.clock.time, lambda *_: None, integration_id, "seed")
    creds = plan.credentials
    tx.create("User", {
        "Username": creds.salesforce_username, "FirstName": "Omni", "LastName": "Integration",
        "Name": "Omni Integration", "Email": creds.salesforce_username, "Alias": "ointeg",
        "CommunityNickname": "omni.integration", **_USER_DEFAULTS})
    fake.integration_user_id = integration_id
    autoproc = tx.create("User", {
        "Username": f"autoproc@{fake.org_id.lower()}.example", "LastName": "Automated Process",
        "Name": "Automated Process", "Email": f"autoproc@{fake.org_id.lower()}.example", "Alias": "autoproc",
        "UserType": "AutomatedProcess", **_USER_DEFAULTS})
    fake.automated_process_user_id = autoproc["Id"]
    for person in plan.people:
        _agent(tx, person)

    channels = {
        CHAT_CHANNEL: tx.create("ServiceChannel", {
            "DeveloperName": CHAT_CHANNEL, "MasterLabel": "Chat", "RelatedEntity": "LiveChatTranscript",
            "CapacityModel": "TabBased", "Language": "en_US"}),
        MESSAGING_CHANNEL: tx.create("ServiceChannel", {
            "DeveloperName": MESSAGING_CHANNEL, "MasterLabel": "Messaging", "RelatedEntity": "MessagingSession",
            "CapacityModel": "TabBased", "Language": "en_US"}),
    }
    # The Enhanced Chat (web) deployment's channel, routed by Omni-Channel queues (Route Work in its flow).
    tx.create("MessagingChannel", {
        "DeveloperName": ENHANCED_CHAT_CHANNEL, "MasterLabel": "Enhanced Chat", "Language": "en_US",
        "MessageType": "EmbeddedMessaging", "MessagingPlatformKey": fake.ids.uuid(), "PlatformType": "Enhanced",
        "RoutingType": "OmniQueue", "IsActive": True})
    for status, linked in fake.config.status_channels.items():
        presence = tx.create("ServicePresenceStatus", {"DeveloperName": status, "MasterLabel": status,
                                                       "Language": "en_US"})
        for channel in linked:
            if channel in channels:
                tx.create("ServiceChannelStatus", {"ServiceChannelId": channels[channel]["Id"],
                                                   "ServicePresenceStatusId": presence["Id"]})
    config = tx.create("QueueRoutingConfig", {
        "DeveloperName": EXTERNAL_ROUTING_CONFIG, "MasterLabel": "External Routing", "RoutingModel": "ExternalRouting",
        "RoutingPriority": 1, "CapacityWeight": fake.config.capacity_weight,
        "PushTimeout": fake.config.push_timeout_seconds or None})
    for pair in plan.queue_pairs + plan.messaging_queue_pairs:
        tx.create("Group", {"Name": pair.salesforce_label, "DeveloperName": pair.salesforce_developer_name,
                            "Type": "Queue", "QueueRoutingConfigId": config["Id"]})


def _agent(tx: Transaction, person: Person) -> None:
    tx.create("User", {
        "Username": person.username, "FirstName": person.first_name, "LastName": person.last_name,
        "Name": person.name, "Email": person.email, "Alias": _alias(person.first_name, person.last_name),
        "CommunityNickname": person.email.split("@")[0], "FederationIdentifier": person.email, **_USER_DEFAULTS})


# -- the Omni-Channel sync settings a connector reads (DESIGN §4.3, §4.7): one builder, in omni_harness.fakes.core.seed ----------


def sync_settings(plan: SeedPlan, media: tuple[str, ...] | list[str] | str = ("chat",)) -> dict[str, Any]:
    """The settings file of one medium ("chat", "messaging") or of several (`("chat", "messaging")`, or "both"): a
    list of media and no top-level service channel; every queue entry names its medium and service channel."""
    chosen = ("chat", "messaging") if media == "both" else media
    return core_sync_settings(plan.to_json(), chosen)
