"""The current PureCloudPlatformClientV2 release (269.0.0), unmodified except its host, runs a whole Open Messaging
flow against the Genesys fake: client-credentials token, list and create an integration (polled until Completed),
an inbound open message with the work item custom attribute and a prefetched conversation id, an On Queue agent (own
token) sees it alerting, picks up, sends a message, disconnects, lists and posts a wrap-up code, routing status back
to IDLE; a notification channel subscribed to `v2.users.{id}.conversations.messages` receives alerting, connected,
disconnected in that order.

Runs in a subprocess with SDK 269 first on PYTHONPATH (see `genesys_sdk.py`); this file is also that subprocess's
script (`python test_genesys_sdk269_messaging.py URL CLIENT_ID SECRET`).
"""

from __future__ import annotations

import json
import sys

from genesys_sdk import SDK_VERSION, run_check, sdk_folder

ON_QUEUE = "e08eaf1b-ee47-4fa9-a231-1200e284798f"
WORK_ITEM = "0Mw5i000000AbCdCAK"


# -- the check, run inside the subprocess with SDK 269 on the path ---------------------------------
def _agent_states(frames: list[dict], conversation_id: str, user_id: str) -> list[str]:
    """The agent leg's state in each notification of the conversation, repeats collapsed."""
    states: list[str] = []
    for frame in frames:
        body = frame.get("eventBody") or {}
        if body.get("id") != conversation_id:
            continue
        legs = [p for p in body.get("participants", [])
                if p.get("purpose") == "agent" and (p.get("user") or {}).get("id") == user_id]
        if legs and (not states or states[-1] != legs[-1]["state"]):
            states.append(legs[-1]["state"])
    return states


def _check(url: str, client_id: str, secret: str) -> dict:
    import urllib.request
    from datetime import UTC, datetime
    from importlib.metadata import version

    import PureCloudPlatformClientV2 as sdk
    import websocket

    out: dict = {"version": version("PureCloudPlatformClientV2"), "module": sdk.__file__}
    sdk.configuration.host = url  # the only change to the SDK: where the platform is
    client = sdk.api_client.ApiClient().get_client_credentials_token(client_id, secret)
    conversations, users = sdk.ConversationsApi(client), sdk.UsersApi(client)
    presence, notifications = sdk.PresenceApi(client), sdk.NotificationsApi(client)

    # the integrations: the seeded ones, and one created (asynchronously) by the middleware
    listing = conversations.get_conversations_messaging_integrations_open(page_size=25)
    out["integrations"] = {i.name: i.create_status for i in listing.entities}
    request = sdk.OpenIntegrationRequest()
    request.name = "SDK Middleware"
    request.outbound_notification_webhook_url = "https://middleware.example.com/genesys"
    request.outbound_notification_webhook_signature_secret_token = "a-secret-of-20-chars"
    created = conversations.post_conversations_messaging_integrations_open(request)
    out["createdStatus"] = created.create_status
    polls = []
    while not polls or polls[-1] != "Completed":
        polls.append(conversations.get_conversations_messaging_integrations_open_integration_id(created.id)
                     .create_status)
        assert len(polls) < 20, polls
    out["polls"] = polls
    integration = next(i for i in listing.entities if i.name == "Salesforce Messaging 1")

    # one agent On Queue; a notification channel on their message conversations
    agent = users.get_users(page_size=25).entities[0]
    body = sdk.UserPresence()
    body.presence_definition = sdk.PresenceDefinition()
    body.presence_definition.id = ON_QUEUE
    presence.patch_user_presences_purecloud(agent.id, body)
    channel = notifications.post_notifications_channels()
    topic = sdk.ChannelTopic()
    topic.id = f"v2.users.{agent.id}.conversations.messages"
    notifications.put_notifications_channel_subscriptions(channel.id, [topic])
    socket = websocket.create_connection(channel.connect_uri, timeout=10)

    # the middleware raises the interaction: the customer's first message with the work item attribute
    sender = sdk.OpenMessagingFromRecipient()
    sender.id, sender.id_type, sender.nickname = "meu-0PA5i000000001", "Opaque", "Pat Customer"
    messaging_channel = sdk.OpenInboundMessageMessagingChannel()
    messaging_channel.pcFrom = sender
    messaging_channel.time = datetime.now(UTC)
    messaging_channel.message_id = "0JR5i000000001AAA"
    # the developer guide's custom attributes; the 269 model has no such field, so a plain dict goes through
    messaging_channel.metadata = {"customAttributes": {"workItemId": WORK_ITEM}}
    message = sdk.OpenInboundNormalizedMessage()
    message.channel, message.text = messaging_channel, "I need help with my order"
    answer = conversations.post_conversations_message_inbound_open_message(integration.id, message,
                                                                           prefetch_conversation_id=True)
    cid = answer.conversation_id
    out["answer"] = {"type": answer.type, "text": answer.text, "conversationId": cid}
    conversation = conversations.get_conversations_message(cid)
    customer = next(p for p in conversation.participants if p.purpose == "customer")
    out["customer"] = {"attributes": customer.attributes, "type": customer.type}

    # the agent's own client: alerting, pick up, send, disconnect, wrap up
    minted = urllib.request.urlopen(urllib.request.Request(
        f"{url}/_fake/tokens", data=json.dumps({"userId": agent.id}).encode(), method="POST",
        headers={"Content-Type": "application/json"}), timeout=10)
    agent_client = sdk.api_client.ApiClient()
    agent_client.access_token = json.loads(minted.read())["access_token"]
    mine = sdk.ConversationsApi(agent_client)
    listed = mine.get_conversations_messages()
    out["agentSees"] = [c.id for c in listed.entities]
    leg = next(p for p in mine.get_conversations_message(cid).participants if p.purpose == "agent")
    out["legState"] = leg.state
    pick_up = sdk.MediaParticipantRequest()
    pick_up.state = "connected"
    assert mine.patch_conversations_message_participant(cid, leg.id, body=pick_up) is None
    out["routingWhileConnected"] = users.get_user_routingstatus(agent.id).status
    generic = conversations.get_conversation(cid)
    communication = next(p for p in generic.participants if p.id == leg.id).messages[0].id
    reply = sdk.AdditionalMessage()
    reply.text_body = "Hello Pat, let me look"
    sent = mine.post_conversations_message_communication_messages(cid, communication, reply)
    out["sent"] = {"text": sent.normalized_message.text, "status": sent.status, "direction": sent.direction}
    read_back = conversations.get_conversations_message_message(cid, sent.id)
    out["readBack"] = read_back.normalized_message.text
    hang_up = sdk.MediaParticipantRequest()
    hang_up.state = "disconnected"
    assert mine.patch_conversations_message_participant(cid, leg.id, body=hang_up) is None
    codes = mine.get_conversations_message_participant_wrapupcodes(cid, leg.id)
    out["wrapupCodes"] = [c.name for c in codes]
    wrapup = sdk.WrapupInput()
    wrapup.code, wrapup.notes = codes[0].id, "order found"
    assert mine.post_conversations_message_participant_communication_wrapup(cid, leg.id, communication,
                                                                            body=wrapup) is None
    assigned = conversations.get_conversations_message_participant_wrapup(cid, leg.id)
    out["wrapup"] = [assigned.code == codes[0].id, assigned.notes]
    out["routingAfter"] = users.get_user_routingstatus(agent.id).status

    # the notifications the channel received, read until the agent's leg disconnected
    frames: list[dict] = []
    while "disconnected" not in _agent_states(frames, cid, agent.id):
        frames.append(json.loads(socket.recv()))
    socket.close()
    out["agentStates"] = _agent_states(frames, cid, agent.id)
    out["topics"] = sorted({f["topicName"] for f in frames if f.get("topicName", "").startswith("v2.users")})
    out["outdated"] = "outdated_sdk_version" in repr([conversation.to_dict(), generic.to_dict(), sent.to_dict(),
                                                     answer.to_dict(), listing.to_dict()])
    return out


# -- the test ---------------------------------------------------------------------------------------
def test_sdk269_runs_a_whole_open_messaging_flow(request, tmp_path_factory):
    from omni_harness.fakes.core import World
    from omni_harness.fakes.runner import start_stack

    target = sdk_folder(request)
    stack = start_stack(World(seed=5, agents=3), names=["genesys"], workdir=tmp_path_factory.mktemp("genesys-269m"))
    try:
        # every response SDK 269 received matches contracts/genesys
        out, checked = run_check(__file__, target, stack)
        fake = stack.fakes["genesys"]
        assert {"open-integration-entity-listing", "open-integration", "open-message-normalized-message",
                "message-conversation", "message-data", "wrapup-code-list"} <= set(checked)
        agent = fake.org.user_by_email(stack.world.plan.people[0].email)
    finally:
        stack.stop()
    assert out["version"] == SDK_VERSION and out["module"].startswith(str(target))
    assert out["integrations"] == {"Salesforce Messaging 1": "Completed", "Salesforce Messaging 2": "Completed"}
    assert out["createdStatus"] == "Initiated" and out["polls"][-1] == "Completed"
    assert out["answer"]["type"] == "Text" and out["answer"]["text"] == "I need help with my order"
    assert out["answer"]["conversationId"]
    assert out["customer"] == {"attributes": {"workItemId": WORK_ITEM}, "type": "open"}
    assert out["agentSees"] == [out["answer"]["conversationId"]] and out["legState"] == "alerting"
    assert out["routingWhileConnected"] == "INTERACTING"
    assert out["sent"] == {"text": "Hello Pat, let me look", "status": "sent", "direction": "outbound"}
    assert out["readBack"] == "Hello Pat, let me look"
    assert "Resolved" in out["wrapupCodes"] and out["wrapup"] == [True, "order found"]
    assert out["routingAfter"] == "IDLE"
    assert out["agentStates"] == ["alerting", "connected", "disconnected"]
    assert out["topics"] == [f"v2.users.{agent.id}.conversations.messages"]
    assert out["outdated"] is False


if __name__ == "__main__":
    print(json.dumps(_check(*sys.argv[1:4])))
