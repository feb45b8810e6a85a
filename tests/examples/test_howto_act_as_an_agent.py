"""How to act as an agent: the `agent` fixture has the Genesys client and the Salesforce console, with its own tokens.

No connector runs here, so the test raises the Genesys interaction itself, as a connector would for a routing
request (`POST /api/v2/conversations/chats` with the attribute `workItemId`).
"""

import pytest

from omni_harness.harness.genesys import ClientCredentials, GenesysApi
from omni_harness.harness.http import ApiError


def test_go_on_queue_pick_up_disconnect_and_wrap_up(omni_fakes, agent, wait_for):
    agent.go_on_queue()  # the client's status menu
    assert agent.routing_status() == "IDLE"
    agent.set_omni_status("Online")  # the console's Omni-Channel widget
    assert agent.omni_status() == "Online"

    creds = omni_fakes.plan.credentials
    integration = GenesysApi(omni_fakes.genesys_url, ClientCredentials(
        omni_fakes.genesys_url, creds.genesys_client_id, creds.genesys_client_secret, omni_fakes.verify),
        omni_fakes.verify)
    queue = next(q for q in integration.queues() if q["name"] == omni_fakes.queue_pairs[0].genesys_name)
    integration.create_web_chat(queue["id"], {"workItemId": "5705i0000000001AAA"})

    conversation = wait_for(agent.alerting_chat, "the chat alerting in the client")
    agent.pick_up(conversation)  # Pick Up
    assert agent.routing_status() == "INTERACTING"
    agent.disconnect(conversation)  # Disconnect
    codes = agent.wrapup_codes(conversation)  # the wrap-up window lists the queue's codes
    with pytest.raises(ApiError) as refused:  # a refusal carries the platform's own error body
        agent.wrap_up(conversation, code="00000000-0000-4000-8000-000000000000")
    assert refused.value.code == "conversation.error.wrapup.code.invalid"
    agent.wrap_up(conversation, code=codes[-1]["name"], notes="resolved")  # pick one, Done
    wait_for(lambda: agent.routing_status() == "IDLE", "the agent routable again")
    integration.close()
