"""Open Messaging schemas: valid draft 2020-12, every $ref resolves, documented bodies pass, wrong ones fail.

Examples come from the Genesys developer guide (commdigital/digital/openmessaging/*), its forum, and the
PureCloudPlatformClientV2 269.0.0 models; ids are the guide's placeholders turned into UUIDs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from omni_harness import contracts

INTEGRATION_ID = "c6b0e62f-8487-44fd-a218-c16e006a7a23"
CONVERSATION_ID = "0f8a2d3c-7a57-4a3c-9d0e-5b1f7e5d2c11"
MESSAGE_ID = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
USER_ID = "6a1f4c9e-2b3d-4e5f-8a7b-9c0d1e2f3a4b"

NEW_SCHEMAS = [
    "messaging-common",
    "open-integration",
    "open-integration-entity-listing",
    "open-integration-request",
    "open-integration-update-request",
    "open-inbound-message-request",
    "open-message-normalized-message",
    "open-inbound-event-request",
    "open-event-normalized-message",
    "open-inbound-receipt-request",
    "open-receipt-normalized-message",
    "open-outbound-webhook-message",
    "additional-message",
    "message-typing-event-request",
    "message-data",
]

CUSTOMER = {"nickname": "User", "id": "usermail@demo.com", "idType": "Email", "firstName": "Guest",
            "lastName": "User", "email": "usermail@demo.com"}
PLATFORM_CHANNEL = {
    "id": INTEGRATION_ID, "platform": "Open", "type": "Private", "messageId": "8e0da971-4085-4c36-8d82-a83a6694fa75",
    "to": {"id": INTEGRATION_ID}, "from": CUSTOMER, "time": "2024-05-01T13:01:14.462Z",
}
OUTBOUND_CHANNEL = {
    "id": INTEGRATION_ID, "platform": "Open", "type": "Private",
    "to": {"id": "messaging-user@externalservice.com"},
    "from": {"nickname": "Salesforce Messaging 1", "id": INTEGRATION_ID, "idType": "Opaque"},
    "time": "2023-09-25T13:41:24.276Z", "messageId": MESSAGE_ID,
}
INTEGRATION = {
    "id": INTEGRATION_ID, "name": "Salesforce Messaging 1",
    "outboundNotificationWebhookUrl": "https://middleware.example.com/genesys/webhook",
    "outboundNotificationWebhookSignatureSecretToken": "a-secret-longer-than-15",
    "webhookHeaders": {"X-Tenant": "acme"},
    "status": "Active", "recipient": {"id": "2d2f6a0e-1b0c-4c77-9b2a-0b8f3e0c5a61"},
    "dateCreated": "2026-12-03T13:00:00.000Z", "createdBy": {"id": USER_ID},
    "createStatus": "Initiated",
    "selfUri": f"/api/v2/conversations/messaging/integrations/open/{INTEGRATION_ID}",
}

# (schema, body that the platform documents, body the platform refuses or never sends)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("open-integration-request",
     {"name": "Salesforce Messaging 1",
      "outboundNotificationWebhookUrl": "https://middleware.example.com/genesys/webhook",
      "outboundNotificationWebhookSignatureSecretToken": "a-secret-longer-than-15"},
     # the model says the token "must be longer than 15 characters"
     {"name": "Salesforce Messaging 1",
      "outboundNotificationWebhookUrl": "https://middleware.example.com/genesys/webhook",
      "outboundNotificationWebhookSignatureSecretToken": "fifteen-chars!!"}),
    ("open-integration", INTEGRATION, {**INTEGRATION, "createStatus": "Pending"}),
    ("open-integration-entity-listing",
     {"entities": [INTEGRATION], "pageSize": 25, "pageNumber": 1, "total": 1, "pageCount": 1,
      "firstUri": "/api/v2/conversations/messaging/integrations/open?pageSize=25&pageNumber=1",
      "selfUri": "/api/v2/conversations/messaging/integrations/open?pageSize=25&pageNumber=1",
      "lastUri": "/api/v2/conversations/messaging/integrations/open?pageSize=25&pageNumber=1"},
     {"entities": [{**INTEGRATION, "createStatus": "Done"}], "pageSize": 25, "pageNumber": 1, "total": 1,
      "pageCount": 1, "firstUri": "/x", "selfUri": "/x", "lastUri": "/x"}),
    ("open-integration-update-request",
     {"name": "Salesforce Messaging 1", "outboundNotificationWebhookUrl": "https://middleware.example.com/v2"},
     {"name": "Salesforce Messaging 1", "webhookHeaders": {"X-Retry": 3}}),
    ("open-inbound-message-request",
     {"channel": {"from": CUSTOMER, "messageId": "e6a8bb8a-ab37-4b1f-be33-69df9b6cab11",
                  "time": "2024-05-02T09:31:22.733Z",
                  "metadata": {"customAttributes": {"workItemId": "0Mw5g000000AbCdCAK"}}},
      "metadata": {"rating": "5"}, "text": "Test Message"},
     # the forum's 400 (bad.request): an object inside the top-level string map
     {"channel": {"from": CUSTOMER, "messageId": "e6a8bb8a-ab37-4b1f-be33-69df9b6cab11",
                  "time": "2024-05-02T09:31:22.733Z"},
      "metadata": {"customAttributes": {"rating": "5"}}, "text": "Test Message"}),
    ("open-message-normalized-message",
     {"id": MESSAGE_ID, "channel": PLATFORM_CHANNEL, "type": "Text", "text": "provaMessaggio",
      "metadata": {"rating": "5"}, "conversationId": CONVERSATION_ID},
     {"id": MESSAGE_ID, "channel": PLATFORM_CHANNEL, "type": "Structured", "text": "provaMessaggio"}),
    ("open-inbound-event-request",
     {"channel": {"from": CUSTOMER, "time": "2023-09-25T13:41:24.276Z"}, "events": [{"eventType": "Typing"}]},
     {"channel": {"from": CUSTOMER, "time": "2023-09-25T13:41:24.276Z"}, "events": [{"eventType": "Presence"}]}),
    ("open-event-normalized-message",
     {"id": MESSAGE_ID, "channel": PLATFORM_CHANNEL, "type": "Event",
      "events": [{"eventType": "Typing", "typing": {"type": "On", "duration": 5000}}]},
     {"id": MESSAGE_ID, "channel": PLATFORM_CHANNEL, "type": "Event",
      "events": [{"eventType": "Typing", "typing": {"type": "On", "duration": "5s"}}]}),
    ("open-inbound-receipt-request",
     {"id": MESSAGE_ID, "channel": {"to": {"id": "messaging-user@externalservice.com", "idType": "Email"},
                                    "time": "2023-01-21T16:47:08.592Z"},
      "status": "Failed", "isFinalReceipt": True,
      "reasons": [{"code": "GeneralError", "message": "the external service refused the message"}]},
     # Read exists on ConversationNormalizedMessage but not on the inbound receipt
     {"id": MESSAGE_ID, "channel": {"to": {"id": "messaging-user@externalservice.com"},
                                    "time": "2023-01-21T16:47:08.592Z"}, "status": "Read"}),
    ("open-receipt-normalized-message",
     {"id": MESSAGE_ID, "channel": OUTBOUND_CHANNEL, "type": "Receipt", "status": "Delivered",
      "isFinalReceipt": True, "direction": "Outbound"},
     {"id": MESSAGE_ID, "channel": OUTBOUND_CHANNEL, "type": "Receipt", "status": "Delivered",
      "isFinalReceipt": "yes", "direction": "Outbound"}),
    ("open-outbound-webhook-message",
     {"id": MESSAGE_ID, "channel": OUTBOUND_CHANNEL, "type": "Text", "text": "Outbound message text!",
      "direction": "Outbound", "originatingEntity": "Human"},
     {"id": MESSAGE_ID, "channel": OUTBOUND_CHANNEL, "type": "Text", "text": "Outbound message text!",
      "direction": "Inbound"}),
    ("open-outbound-webhook-message",
     {"id": MESSAGE_ID, "channel": OUTBOUND_CHANNEL, "type": "Event",
      "events": [{"eventType": "Typing", "typing": {"type": "On", "duration": 5000}}], "direction": "Outbound"},
     {"id": MESSAGE_ID, "channel": OUTBOUND_CHANNEL, "type": "Event", "direction": "Outbound"}),
    ("additional-message", {"textBody": "Outbound message text!"}, {"textBody": "x" * 2001}),
    ("message-typing-event-request", {"typing": {"type": "On", "duration": 5000}}, {"typing": {"type": "Off"}}),
    ("message-data",
     {"id": MESSAGE_ID, "timestamp": "2026-12-03T13:05:00.000Z", "direction": "outbound", "messengerType": "open",
      "status": "sent", "fromAddress": INTEGRATION_ID, "toAddress": "usermail@demo.com",
      "normalizedMessage": {"id": MESSAGE_ID, "type": "Text", "text": "Outbound message text!",
                            "direction": "Outbound", "originatingEntity": "Human",
                            "channel": {"platform": "Open", "type": "Private", "to": {"id": "usermail@demo.com"},
                                        "from": {"id": INTEGRATION_ID, "idType": "Opaque"},
                                        "time": "2026-12-03T13:05:00.000Z"}},
      "createdBy": {"id": USER_ID}, "conversationId": CONVERSATION_ID,
      "selfUri": f"/api/v2/conversations/messages/{CONVERSATION_ID}/messages/{MESSAGE_ID}"},
     {"id": MESSAGE_ID, "timestamp": "2026-12-03T13:05:00.000Z", "messengerType": "chat", "status": "sent"}),
]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("name", NEW_SCHEMAS)
def test_schema_is_valid_and_its_refs_resolve(name: str) -> None:
    schema = contracts.load("genesys", name)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"genesys/{name}.json"
    resolver = contracts.registry().resolver(base_uri=schema["$id"])
    refs = list(_refs(schema))
    for ref in refs:
        resolver.lookup(ref)  # raises Unresolvable when a file or a $defs entry is missing


def test_a_dangling_ref_does_not_resolve() -> None:
    from referencing.exceptions import Unresolvable

    resolver = contracts.registry().resolver(base_uri="genesys/open-integration.json")
    with pytest.raises(Unresolvable):
        resolver.lookup("messaging-common.json#/$defs/noSuchDefinition")


def test_every_schema_is_exercised_by_an_example() -> None:
    used = {name for name, _, _ in CASES} | {"messaging-common"}
    assert used == set(NEW_SCHEMAS)


@pytest.mark.parametrize(("name", "good", "bad"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_documented_body_passes_and_a_wrong_one_fails(name: str, good: dict[str, Any], bad: dict[str, Any]) -> None:
    contracts.validate("genesys", name, copy.deepcopy(good))
    with pytest.raises(contracts.ValidationError):
        contracts.validate("genesys", name, bad)


@pytest.mark.parametrize("missing", ["from", "time"])
def test_inbound_message_needs_channel_from_and_time(missing: str) -> None:
    body = {"channel": {"from": CUSTOMER, "time": "2024-05-02T09:31:22.733Z"}, "text": "hello"}
    del body["channel"][missing]
    with pytest.raises(contracts.ValidationError):
        contracts.validate("genesys", "open-inbound-message-request", body)


def test_inbound_message_id_type_is_the_models_enum() -> None:
    body = {"channel": {"from": {**CUSTOMER, "idType": "Username"}, "time": "2024-05-02T09:31:22.733Z"},
            "text": "hello"}
    with pytest.raises(contracts.ValidationError):
        contracts.validate("genesys", "open-inbound-message-request", body)


def test_integration_response_is_closed_to_unknown_fields() -> None:
    with pytest.raises(contracts.ValidationError):
        contracts.validate("genesys", "open-integration", {**INTEGRATION, "async": True})


def test_message_data_has_no_text_body_since_sdk_265() -> None:
    good = CASES[-1][1]
    with pytest.raises(contracts.ValidationError):
        contracts.validate("genesys", "message-data", {**good, "textBody": "Outbound message text!"})
