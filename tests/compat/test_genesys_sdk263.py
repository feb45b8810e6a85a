"""PureCloudPlatformClientV2 263.0.0 (the last release with the chat endpoints), unmodified except its host, runs a
whole chat against the Genesys fake served on an ephemeral port."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest
import requests

from omni_harness.fakes.core import World
from omni_harness.fakes.genesys.routes.conformance import check_response
from omni_harness.fakes.runner import Stack, start_stack

sdk = pytest.importorskip("PureCloudPlatformClientV2")

ON_QUEUE = "e08eaf1b-ee47-4fa9-a231-1200e284798f"
WORK_ITEM = "0Mw5i000000AbCdCAK"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    assert version("PureCloudPlatformClientV2") == "263.0.0", "tests/compat needs the pinned SDK 263.0.0"
    running = start_stack(World(seed=3, agents=3), names=["genesys"], workdir=tmp_path_factory.mktemp("genesys-263"))
    yield running
    running.stop()


def _walk(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def _no_unknown_enums(model: Any) -> Any:
    """The SDK turns an enum value it does not know into "outdated_sdk_version" without a word: refuse that."""
    as_dict = model.to_dict() if hasattr(model, "to_dict") else model
    assert "outdated_sdk_version" not in list(_walk(as_dict)), as_dict
    return model


@pytest.fixture
def deprecations() -> Iterator[list[warnings.WarningMessage]]:
    """263 marks every chat operation deprecated (ACD web chat v2 is being removed), and its decorator forces the
    warning filter to "always"; record them instead of printing them."""
    with warnings.catch_warnings(record=True) as seen:
        yield seen


def test_sdk263_runs_a_whole_chat(stack: Stack, deprecations):
    url = stack.url("genesys")
    creds = stack.world.plan.credentials
    sdk.configuration.host = url  # the only change to the SDK: where the platform is
    client = sdk.api_client.ApiClient().get_client_credentials_token(creds.genesys_client_id,
                                                                    creds.genesys_client_secret)
    users, presence = sdk.UsersApi(client), sdk.PresenceApi(client)
    routing, conversations = sdk.RoutingApi(client), sdk.ConversationsApi(client)

    # an agent goes On Queue, so the system makes them IDLE
    agent = _no_unknown_enums(users.get_users(page_size=25)).entities[0]
    body = sdk.UserPresence()
    body.presence_definition = sdk.PresenceDefinition()
    body.presence_definition.id = ON_QUEUE
    answer = _no_unknown_enums(presence.patch_user_presences_purecloud(agent.id, body))
    assert answer.presence_definition.system_presence == "On Queue"
    assert _no_unknown_enums(users.get_user_routingstatus(agent.id)).status == "IDLE"

    # the integration creates a chat in a queue; the ACD alerts the agent
    queue = _no_unknown_enums(routing.get_routing_queues(name="Chat Queue 1")).entities[0]
    assert queue.acw_settings.wrapup_prompt == "MANDATORY"
    request = sdk.CreateWebChatRequest()
    request.queue_id, request.provider = queue.id, "PureCloud Webchat v2"
    request.attributes = {"workItemId": WORK_ITEM}
    chat = _no_unknown_enums(conversations.post_conversations_chats(request))
    customer = next(p for p in chat.participants if p.purpose == "customer")
    assert customer.attributes == {"workItemId": WORK_ITEM}
    chat = _no_unknown_enums(conversations.get_conversations_chat(chat.id))
    leg = next(p for p in chat.participants if p.purpose == "agent")
    assert leg.state == "alerting" and leg.user.id == agent.id

    # the agent's own client sees it and picks it up, then disconnects
    token = requests.post(f"{url}/_fake/tokens", json={"userId": agent.id}, timeout=5).json()["access_token"]
    agent_client = sdk.api_client.ApiClient()
    agent_client.access_token = token
    agent_conversations = sdk.ConversationsApi(agent_client)
    mine = _no_unknown_enums(agent_conversations.get_conversations_chats())
    assert [c.id for c in mine.entities] == [chat.id]
    assert _no_unknown_enums(sdk.UsersApi(agent_client).get_users_me()).id == agent.id
    pick_up = sdk.MediaParticipantRequest()
    pick_up.state = "connected"
    assert agent_conversations.patch_conversations_chat_participant(chat.id, leg.id, pick_up) is None
    leg = next(p for p in conversations.get_conversations_chat(chat.id).participants if p.id == leg.id)
    assert leg.state == "connected"
    assert users.get_user_routingstatus(agent.id).status == "INTERACTING"
    hang_up = sdk.MediaParticipantRequest()
    hang_up.state = "disconnected"
    assert agent_conversations.patch_conversations_chat_participant(chat.id, leg.id, hang_up) is None

    # wrap-up: list the allowed codes (a bare array) and apply one
    codes = conversations.get_conversations_chat_participant_wrapupcodes(chat.id, leg.id)
    assert isinstance(codes, list) and codes and all(isinstance(c, sdk.WrapupCode) for c in codes)
    wrapup = sdk.WrapupInput()
    wrapup.code, wrapup.notes = codes[0].id, "resolved by the agent"
    apply = sdk.MediaParticipantRequest()
    apply.wrapup = wrapup
    assert agent_conversations.patch_conversations_chat_participant(chat.id, leg.id, apply) is None
    assigned = _no_unknown_enums(conversations.get_conversations_chat_participant_wrapup(chat.id, leg.id))
    assert assigned.code == codes[0].id and assigned.notes == "resolved by the agent"

    # the generic view carries the communication id; the agent is routable again
    generic = _no_unknown_enums(conversations.get_conversation(chat.id))
    agent_leg = next(p for p in generic.participants if p.id == leg.id)
    assert agent_leg.chats[0].id and agent_leg.chats[0].state == "disconnected"
    assert users.get_user_routingstatus(agent.id).status == "IDLE"

    # every response the SDK received matches contracts/genesys
    fake = stack.fakes["genesys"]
    checked = 0
    for entry in stack.world.journal.since(0, kinds=["request"], source="genesys"):
        data = entry.data
        body = data["responseBody"]
        if isinstance(body, dict) and body.get("truncated"):
            continue
        if check_response(fake.app, data["method"], data["path"], data["status"], body) is not None:
            checked += 1
    assert checked >= 15
    assert any("get_conversations_chats is deprecated" in str(w.message) for w in deprecations)


def test_sdk263_sees_platform_errors_as_api_exceptions(stack: Stack):
    sdk.configuration.host = stack.url("genesys")
    client = sdk.api_client.ApiClient()
    client.access_token = "not-a-token"
    with pytest.raises(sdk.rest.ApiException) as caught:
        sdk.UsersApi(client).get_users()
    assert caught.value.status == 401
    assert caught.value.headers["inin-correlation-id"]
    creds = stack.world.plan.credentials
    client = sdk.api_client.ApiClient().get_client_credentials_token(creds.genesys_client_id,
                                                                    creds.genesys_client_secret)
    with pytest.raises(sdk.rest.ApiException) as caught:
        sdk.UsersApi(client).get_users_me()
    assert caught.value.status == 400 and '"not.a.user"' in caught.value.body
