"""The model's rules called directly (no HTTP): tokens, wrap-up prompt mapping, routing status derivation, ACD order."""

from __future__ import annotations

import pytest

from omni_harness.fakes.genesys.errors import GenesysError
from omni_harness.fakes.genesys.model.conversations import Media
from omni_harness.fakes.genesys.model.org import WrapupPrompt
from omni_harness.fakes.genesys.model.presence import ON_QUEUE, RoutingStatus
from omni_harness.fakes.genesys.model.tokens import Principal, TokenStore

SYSTEM = Principal("t", "client", None, float("inf"))


def test_token_store_expiry_and_owner():
    store = TokenStore()
    user = store.add(Principal("u", "app", "user-1", 100.0))
    client = store.add(Principal("c", "app", None, 200.0))
    assert user.owner == "user:user-1" and client.owner == "client:app"
    assert store.lookup("u", 99.9) is user and store.lookup("u", 100.0) is None
    assert store.expire_all(150.0) == 1 and store.lookup("c", 150.0) is None


@pytest.mark.parametrize(("prompt", "value", "required", "timed"), [
    ("MANDATORY", "mandatory", True, False), ("OPTIONAL", "optional", False, False),
    ("MANDATORY_TIMEOUT", "timeout", True, True), ("MANDATORY_FORCED_TIMEOUT", "forcedTimeout", True, True),
    ("AGENT_REQUESTED", "agentRequested", False, False)])
def test_queue_wrapup_prompt_maps_to_the_participant(prompt, value, required, timed):
    p = WrapupPrompt(prompt)
    assert (p.participant_value, p.required, p.timed) == (value, required, timed)


def test_routing_status_is_derived_from_presence_and_work(fake):
    user = next(iter(fake.org.users.values()))
    with fake.lock:
        fake.users.patch_user_presence(user.id, ON_QUEUE.id, None)
        assert user.routing_status is RoutingStatus.IDLE
        user.routing_status = RoutingStatus.NOT_RESPONDING
        fake.users.refresh_routing_status(user)
        assert user.routing_status is RoutingStatus.NOT_RESPONDING  # only the client or On Queue resets it
        fake.users.refresh_routing_status(user, entering_queue=True)
        assert user.routing_status is RoutingStatus.IDLE


def test_ties_in_idle_time_go_to_the_earlier_member(fake):
    queue = fake.org.queue_by_name("Chat Queue 1")
    users = list(queue.members)
    for uid in reversed(users):  # same frozen instant for everybody
        fake.users.patch_user_presence(uid, ON_QUEUE.id, None)
    conv = fake.conversations.create_conversation(SYSTEM, Media.CHAT, queue.id, "p", None, None)
    assert conv.agents()[0].user_id == users[0]


def test_a_busy_user_is_not_a_candidate(fake):
    queue = fake.org.queue_by_name("Chat Queue 1")
    uid = next(iter(queue.members))
    for other in list(queue.members)[1:]:
        fake.routing.post_queue_members(queue.id, [other], delete=True)
    fake.users.patch_user_presence(uid, ON_QUEUE.id, None)
    first = fake.conversations.create_conversation(SYSTEM, Media.CHAT, queue.id, "p", None, None)
    assert fake.conversations.user_busy(uid)
    second = fake.conversations.create_conversation(SYSTEM, Media.CHAT, queue.id, "p", None, None)
    assert second.agents() == [] and fake.conversations.waiting[queue.id] == [second.id]
    fake.conversations.patch_participant(SYSTEM, first.id, first.agents()[0].id, None, state="disconnected")  # declined
    assert fake.org.users[uid].routing_status is RoutingStatus.NOT_RESPONDING
    assert fake.conversations.waiting[queue.id] == [first.id, second.id]  # the older one is served first


def test_user_token_transfer_of_external_work_is_refused_before_anything_else(fake):
    queue = fake.org.queue_by_name("Chat Queue 1")
    uid = next(iter(queue.members))
    fake.users.patch_user_presence(uid, ON_QUEUE.id, None)
    conv = fake.conversations.create_conversation(SYSTEM, Media.CHAT, queue.id, "p", {"workItemId": "0Mw5i000000AbCdCAK"}, None)
    leg = conv.agents()[0]
    agent = Principal("a", "app", uid, float("inf"))
    fake.conversations.patch_participant(agent, conv.id, leg.id, None, state="connected")
    with pytest.raises(GenesysError) as refused:
        fake.conversations.transfer(agent, conv.id, leg.id, None, queue_id=queue.id)
    assert refused.value.status == 403 and conv.recent_transfers == []
