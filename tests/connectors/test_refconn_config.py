"""Reference connector: environment and sync settings parsing, id forms, event normalisation."""

from __future__ import annotations

import json

import pytest

from omni_harness.connectors.reference.config import (
    ConfigError,
    load_env,
    load_sync_settings,
    parse_sync_settings,
    system_presence_key,
)
from omni_harness.connectors.reference.events import (
    ChangeType,
    LegState,
    change_events,
    conversation_view,
    presence_change,
)
from omni_harness.connectors.reference.ids import same_sf_id, sf_id18

BASE_ENV = {
    "GENESYS_API_URL": "https://127.0.0.1:1/", "GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "secret",
    "SALESFORCE_INSTANCE_URL": "https://127.0.0.1:2", "SALESFORCE_LOGIN_URL": "https://127.0.0.1:2",
    "SALESFORCE_CLIENT_ID": "cid", "SALESFORCE_CLIENT_SECRET": "cs", "OMNI_SYNC_SETTINGS": "/x.json",
}


def test_missing_variables_are_named(tmp_path):
    env = dict(BASE_ENV, CONNECTOR_STATE_DIR=str(tmp_path))
    del env["GENESYS_CLIENT_SECRET"]
    del env["OMNI_SYNC_SETTINGS"]
    with pytest.raises(ConfigError, match="GENESYS_CLIENT_SECRET, OMNI_SYNC_SETTINGS"):
        load_env(env)


def test_password_flow_needs_both_user_and_password(tmp_path):
    env = dict(BASE_ENV, CONNECTOR_STATE_DIR=str(tmp_path), SALESFORCE_USERNAME="u@example.com")
    with pytest.raises(ConfigError, match="SALESFORCE_PASSWORD"):
        load_env(env)


def test_env_defaults(tmp_path):
    env = load_env(dict(BASE_ENV, CONNECTOR_STATE_DIR=str(tmp_path / "state")))
    assert env.genesys_api_url == "https://127.0.0.1:1"
    assert env.genesys_login_url == env.genesys_api_url  # same host for a local fake
    assert env.salesforce_username is None and env.state_dir.is_dir()
    assert env.salesforce_api_version == "62.0"


def test_sync_settings_file(tmp_path):
    path = tmp_path / "sync.json"
    path.write_text(json.dumps({"media": "chat", "serviceChannel": "sfdc_livechat",
                                "presence": {"ON_QUEUE": "Online", "On Queue": "Online", "AVAILABLE": None},
                                "queues": [{"salesforce": "Chat_Queue_1", "genesys": "Chat Queue 1"}]}))
    settings = load_sync_settings(path)
    assert settings.presence == {"ON_QUEUE": "Online", "AVAILABLE": None}
    assert settings.genesys_queue_for("Chat_Queue_1") == "Chat Queue 1"
    assert settings.genesys_queue_for("Chat_Queue_9") is None


def test_old_chat_file_keeps_working():
    settings = parse_sync_settings({"media": "chat", "serviceChannel": "sfdc_livechat",
                                    "queues": [{"salesforce": "Chat_Queue_1", "genesys": "Chat Queue 1"}]})
    (pair,) = settings.queues
    assert (pair.media, pair.service_channel, pair.open_messaging_integration) == ("chat", "sfdc_livechat", None)
    assert settings.all_media == ("chat",) and settings.handles("chat") and not settings.handles("messaging")
    assert settings.service_channel_for("chat") == "sfdc_livechat"


def test_messaging_file_with_one_medium():
    settings = parse_sync_settings({
        "media": "messaging", "serviceChannel": "sfdc_livemessage", "presence": {"ON_QUEUE": "Online"},
        "queues": [{"salesforce": "Messaging_Queue_1", "genesys": "Messaging Queue 1",
                    "openMessagingIntegration": "Salesforce Messaging 1"}]})
    (pair,) = settings.queues
    assert (pair.media, pair.service_channel, pair.open_messaging_integration) == \
        ("messaging", "sfdc_livemessage", "Salesforce Messaging 1")
    assert pair.messaging and settings.all_media == ("messaging",)
    assert settings.service_channel_for("messaging") == "sfdc_livemessage"


def test_file_with_both_media_pairs_each_queue_with_its_own():
    settings = parse_sync_settings({"media": ["chat", "messaging"], "presence": {}, "queues": [
        {"salesforce": "Chat_Queue_1", "genesys": "Chat Queue 1", "media": "chat", "serviceChannel": "sfdc_livechat"},
        {"salesforce": "Messaging_Queue_1", "genesys": "Messaging Queue 1", "media": "messaging",
         "serviceChannel": "sfdc_livemessage", "openMessagingIntegration": "Salesforce Messaging 1"},
        {"salesforce": "Messaging_Queue_2", "genesys": "Messaging Queue 2", "media": "messaging",
         "openMessagingIntegration": "Salesforce Messaging 2"}]})
    assert settings.all_media == ("chat", "messaging")
    assert [(p.salesforce, p.media, p.service_channel) for p in settings.queues] == [
        ("Chat_Queue_1", "chat", "sfdc_livechat"), ("Messaging_Queue_1", "messaging", "sfdc_livemessage"),
        ("Messaging_Queue_2", "messaging", "sfdc_livemessage")]  # the medium's own channel when none is named
    assert settings.pair_for("Messaging_Queue_2").open_messaging_integration == "Salesforce Messaging 2"
    assert settings.service_channels == ("sfdc_livechat", "sfdc_livemessage")
    assert settings.service_channel_for("chat") == "sfdc_livechat"
    assert settings.service_channel_for("messaging") == "sfdc_livemessage"


MQ = {"salesforce": "Messaging_Queue_1", "genesys": "Messaging Queue 1"}


@pytest.mark.parametrize("data, message", [
    ({"media": "voice", "queues": [{"salesforce": "a", "genesys": "b"}]}, "media 'voice' is not supported"),
    ({"media": ["chat", "email"], "queues": [{"salesforce": "a", "genesys": "b"}]}, "media 'email'"),
    ({"media": [], "queues": [{"salesforce": "a", "genesys": "b"}]}, "media must be a medium or a list"),
    ({"media": "messaging", "queues": [MQ]}, "queues\\[0\\]: a messaging queue needs \"openMessagingIntegration\""),
    ({"media": ["chat", "messaging"], "queues": [dict(MQ, media="messaging", openMessagingIntegration=" ")]},
     "needs \"openMessagingIntegration\""),
    ({"media": ["chat", "messaging"], "queues": [MQ]}, "queues\\[0\\] must name its media"),
    ({"media": "chat", "queues": [dict(MQ, media="messaging", openMessagingIntegration="x")]},
     "media 'messaging' is not among the file's media"),
    ({"media": "chat", "queues": [dict(MQ, media="sms")]}, "queues\\[0\\]: media 'sms' is not supported"),
    ({"media": "chat", "queues": [dict(MQ, openMessagingIntegration="x")]}, "belongs to messaging queues only"),
    ({"queues": [MQ, MQ]}, "paired more than once"),
    ({"queues": []}, "queues must list"),
    ({"presence": {"ON_QUEUE": 3}, "queues": [{"salesforce": "a", "genesys": "b"}]}, "presence\\['ON_QUEUE'\\]"),
    ([], "JSON object"),
])
def test_bad_sync_settings(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_sync_settings(data)


@pytest.mark.parametrize("raw, key", [("On Queue", "ON_QUEUE"), ("OnQueue", "ON_QUEUE"), ("ON_QUEUE", "ON_QUEUE"),
                                      ("Available", "AVAILABLE"), ("BREAK", "BREAK")])
def test_system_presence_spellings(raw, key):
    assert system_presence_key(raw) == key


def test_salesforce_ids():
    # Real ids from the reference: 15-character form and checksum.
    assert sf_id18("0JR5i000001OXSg") == "0JR5i000001OXSgGAO"
    assert sf_id18("0Bz5i0000011r27") == "0Bz5i0000011r27CAA"
    assert sf_id18("0JR5i000001OXSgGAO") == "0JR5i000001OXSgGAO"
    assert same_sf_id("0JR5i000001OXSg", "0JR5i000001OXSgGAO")


def test_conversation_views_from_topic_and_rest_shapes():
    topic_body = {"id": "c1", "participants": [
        {"id": "p0", "purpose": "customer", "state": "connected", "attributes": {"workItemId": "5700000000000AB"}},
        {"id": "p1", "purpose": "agent", "state": "alerting", "user": {"id": "u1"}}]}
    view = conversation_view(topic_body)
    assert view.work_item_id == sf_id18("5700000000000AB")
    assert [(p.id, p.state) for p in view.agents] == [("p1", LegState.ALERTING)]
    generic = {"id": "c1", "participants": [
        {"id": "p1", "purpose": "agent", "userId": "u1",
         "chats": [{"state": "disconnected", "disconnectType": "client", "connectedTime": "t"}]}]}
    agent = conversation_view(generic).agents[0]
    assert agent.state is LegState.DISCONNECTED and agent.disconnect_type == "client" and agent.was_connected
    assert conversation_view({"participants": []}) is None


def test_plain_web_chat_has_no_work_item():
    view = conversation_view({"id": "c", "participants": [{"id": "p", "purpose": "customer", "state": "connected",
                                                             "attributes": {"context.firstName": "Ann"}}]})
    assert view.work_item_id is None


def test_presence_change_from_topic():
    change = presence_change("v2.users.u1.presence", {"presenceDefinition": {"id": "x", "systemPresence": "ON_QUEUE"}})
    assert (change.user_id, change.system_presence) == ("u1", "ON_QUEUE")
    assert presence_change("v2.users.u1.routingStatus", {}) is None


def test_change_event_per_record():
    message = {"channel": "/data/ChangeEvents", "data": {"event": {"replayId": 7}, "payload": {
        "ChangeEventHeader": {"entityName": "AgentWork", "changeType": "UPDATE", "changedFields": ["Status"],
                              "recordIds": ["0Bz000000000001", "0Bz000000000002"], "commitUser": "005000000000001"},
        "Status": "Closed"}}}
    events = change_events(message)
    assert [e.record_id for e in events] == [sf_id18("0Bz000000000001"), sf_id18("0Bz000000000002")]
    assert all(e.change_type is ChangeType.UPDATE and e.get("Status") == "Closed" and e.replay_id == 7
               for e in events)
    assert change_events({"channel": "/meta/connect"}) == []
