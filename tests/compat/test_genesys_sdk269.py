"""The current PureCloudPlatformClientV2 release (269.0.0), unmodified except its host, handles presence, routing
status, queues and notification channels against the Genesys fake.

SDK 263 (pinned for the chat endpoints) and 269 cannot share one environment, so the test installs 269 once with
`pip install --target` into the pytest cache (`genesys_sdk.py`) and runs the check below in a subprocess with that
PYTHONPATH. This file is also that subprocess's script (`python test_genesys_sdk269.py URL CLIENT_ID SECRET`).
"""

from __future__ import annotations

import json
import sys

from genesys_sdk import SDK_VERSION, run_check, sdk_folder

ON_QUEUE = "e08eaf1b-ee47-4fa9-a231-1200e284798f"
AVAILABLE = "6a3af858-942f-489d-9700-5f9bcdcdae9b"


# -- the check, run inside the subprocess with SDK 269 on the path ---------------------------------
def _check(url: str, client_id: str, secret: str) -> dict:
    from importlib.metadata import version

    import PureCloudPlatformClientV2 as sdk

    out: dict = {"version": version("PureCloudPlatformClientV2"), "module": sdk.__file__}
    sdk.configuration.host = url
    client = sdk.api_client.ApiClient().get_client_credentials_token(client_id, secret)
    users, presence = sdk.UsersApi(client), sdk.PresenceApi(client)
    routing, notifications = sdk.RoutingApi(client), sdk.NotificationsApi(client)

    definitions = presence.get_presence_definitions()
    out["definitions"] = {d.system_presence: d.id for d in definitions.entities}
    out["systemPresences"] = [p.name for p in presence.get_systempresences()]
    agent = users.get_users(page_size=25).entities[0]
    body = sdk.UserPresence()
    body.presence_definition = sdk.PresenceDefinition()
    body.presence_definition.id = ON_QUEUE
    out["presence"] = presence.patch_user_presences_purecloud(agent.id, body).presence_definition.system_presence
    out["routingAfterOnQueue"] = users.get_user_routingstatus(agent.id).status
    me = users.get_user(agent.id, expand=["presence", "routingStatus"])
    out["expanded"] = [me.presence.presence_definition.id, me.routing_status.status]
    refused = sdk.RoutingStatus()
    refused.status = "INTERACTING"
    try:
        users.put_user_routingstatus(agent.id, refused)
        out["refusedPut"] = None
    except sdk.rest.ApiException as exc:
        out["refusedPut"] = [exc.status, json.loads(exc.body)["code"]]
    body.presence_definition.id = AVAILABLE
    presence.patch_user_presences_purecloud(agent.id, body)
    out["routingAfterAvailable"] = users.get_user_routingstatus(agent.id).status

    queues = routing.get_routing_queues(page_size=25)
    out["queues"] = [q.name for q in queues.entities]
    queue = routing.get_routing_queue(queues.entities[0].id)
    out["acw"] = queue.acw_settings.wrapup_prompt
    out["alertingTimeoutSeconds"] = queue.media_settings.chat.alerting_timeout_seconds
    members = routing.get_routing_queue_members(queue.id, expand=["routingStatus", "presence"])
    out["members"] = len(members.entities)
    out["wrapupCodes"] = [c.name for c in routing.get_routing_queue_wrapupcodes(queue.id).entities]

    channel = notifications.post_notifications_channels()
    out["channel"] = {"id": channel.id, "connectUri": channel.connect_uri, "expires": str(channel.expires)}
    topic = sdk.ChannelTopic()
    topic.id = f"v2.users.{agent.id}.presence"
    notifications.put_notifications_channel_subscriptions(channel.id, [topic])
    out["subscriptions"] = [t.id for t in notifications.get_notifications_channel_subscriptions(channel.id).entities]
    out["outdated"] = "outdated_sdk_version" in repr([definitions.to_dict(), queue.to_dict(), members.to_dict(),
                                                     me.to_dict()])
    return out


# -- the test ---------------------------------------------------------------------------------------
def test_sdk269_presence_routing_queues_and_channels(request, tmp_path_factory):
    from omni_harness.fakes.core import World
    from omni_harness.fakes.runner import start_stack

    target = sdk_folder(request)
    stack = start_stack(World(seed=5, agents=3), names=["genesys"], workdir=tmp_path_factory.mktemp("genesys-269"))
    try:
        # every response SDK 269 received matches contracts/genesys (notification bodies are checked by their own tests)
        out, checked = run_check(__file__, target, stack)
        agent = stack.fakes["genesys"].org.user_by_email(stack.world.plan.people[0].email)
        assert len([c for c in checked if c]) >= 10
    finally:
        stack.stop()
    assert out["version"] == SDK_VERSION and out["module"].startswith(str(target))
    assert out["definitions"]["OnQueue"] == ON_QUEUE and len(out["definitions"]) == 10
    assert "On Queue" in out["systemPresences"]
    assert out["presence"] == "On Queue" and out["routingAfterOnQueue"] == "IDLE"
    assert out["expanded"] == [ON_QUEUE, "IDLE"]
    assert out["refusedPut"] == [400, "general.bad.request"]
    assert out["routingAfterAvailable"] == "OFF_QUEUE"
    assert out["queues"] == ["Chat Queue 1", "Chat Queue 2", "Messaging Queue 1", "Messaging Queue 2",
                             "Web Chat Queue", "Web Messaging Queue"]
    assert out["acw"] == "MANDATORY" and out["alertingTimeoutSeconds"] == 30 and out["members"] == 3
    assert "Resolved" in out["wrapupCodes"]
    assert out["channel"]["connectUri"].startswith("ws://") and out["channel"]["connectUri"].endswith(out["channel"]["id"])
    assert out["subscriptions"] == [f"v2.users.{agent.id}.presence"]
    assert out["outdated"] is False


if __name__ == "__main__":
    print(json.dumps(_check(*sys.argv[1:4])))
