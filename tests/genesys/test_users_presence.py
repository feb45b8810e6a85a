"""Users, presence definitions, user presence and routing status with the system's transition rules."""

from __future__ import annotations

import pytest
from genesys_org import AVAILABLE_ID, ON_QUEUE_ID

SYSTEM_IDS = {
    "Available": "6a3af858-942f-489d-9700-5f9bcdcdae9b", "Away": "5e5c5c66-ea97-4e7f-ac41-6424784829f2",
    "Busy": "31fe3bac-dea6-44b7-bed7-47f91660a1a0", "Offline": "ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5",
    "Idle": "7ffa01cd-7866-4ad7-8faa-31e11b42f51f", "On Queue": "e08eaf1b-ee47-4fa9-a231-1200e284798f",
    "Meal": "3fd96123-badb-4f69-bc03-1b1ccc6d8014", "Training": "d2390a99-8546-bad9-8f0a-219548e8aeb0",
    "Meeting": "bbdff279-7ae1-48ea-bade-7831d7234c64", "Break": "227b37e2-f1d0-4dd0-8f50-badd7cf6d158",
}


def test_every_person_is_a_user_with_the_same_email(org):
    r = org.get("/api/v2/users?pageSize=2")
    assert r.json["total"] == 4 and len(r.json["entities"]) == 2 and r.json["pageCount"] == 2
    assert r.json["nextUri"] == "/api/v2/users?pageSize=2&pageNumber=2" and "previousUri" not in r.json
    emails = {u["email"] for u in org.get("/api/v2/users?pageSize=25").json["entities"]}
    assert emails == {p.email for p in org.world.plan.people}


def test_user_expand_presence_and_routing_status(org):
    uid = org.user_ids[0]
    plain = org.get(f"/api/v2/users/{uid}").json
    assert "presence" not in plain and "routingStatus" not in plain
    full = org.get(f"/api/v2/users/{uid}?expand=presence,routingStatus").json
    assert full["presence"]["presenceDefinition"] == {"id": SYSTEM_IDS["Offline"], "systemPresence": "Offline",
                                                      "selfUri": f"/api/v2/presencedefinitions/{SYSTEM_IDS['Offline']}"}
    assert full["routingStatus"]["status"] == "OFF_QUEUE"
    r = org.get(f"/api/v2/users/{uid}?expand=bogus")
    assert r.status_code == 400 and r.json["code"] == "invalid.value"


def test_unknown_user_is_not_found(org):
    r = org.get("/api/v2/users/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and r.json["code"] == "not.found"


def test_presence_definitions_current_and_legacy_carry_the_system_ids(org):
    current = org.get("/api/v2/presence/definitions").json
    assert current["total"] == 10 and "pageSize" not in current
    by_label = {d["languageLabels"]["en_US"]: d for d in current["entities"]}
    assert {k: v["id"] for k, v in by_label.items()} == SYSTEM_IDS
    assert by_label["On Queue"]["systemPresence"] == "OnQueue"
    legacy = org.get("/api/v2/presencedefinitions").json
    assert {d["systemPresence"]: d["id"] for d in legacy["entities"]} == SYSTEM_IDS
    assert legacy["pageNumber"] == 1 and legacy["total"] == 10
    one = org.get(f"/api/v2/presencedefinitions/{ON_QUEUE_ID}").json
    assert one["systemPresence"] == "On Queue"
    assert org.get(f"/api/v2/presence/definitions/{ON_QUEUE_ID}").json["systemPresence"] == "OnQueue"
    assert org.get("/api/v2/presence/definitions/nope").status_code == 404


def test_system_presences_is_a_bare_array(org):
    body = org.get("/api/v2/systempresences").json
    assert isinstance(body, list) and len(body) == 10
    assert {"id": "ON_QUEUE", "name": "On Queue", "selfUri": "/api/v2/systempresences/ON_QUEUE"} in body


def test_going_on_queue_makes_the_agent_idle_and_leaving_makes_off_queue(org):
    uid = org.user_ids[0]
    presence = org.set_presence(uid, ON_QUEUE_ID)
    assert presence["presenceDefinition"]["systemPresence"] == "On Queue" and presence["source"] == "PURECLOUD"
    assert org.routing_status(uid) == "IDLE"
    assert org.get(f"/api/v2/users/{uid}/presences/purecloud").json["presenceDefinition"]["id"] == ON_QUEUE_ID
    org.set_presence(uid, SYSTEM_IDS["Break"])
    assert org.routing_status(uid) == "OFF_QUEUE"


def test_presence_message_only_keeps_the_definition(org):
    uid = org.user_ids[0]
    org.set_presence(uid, AVAILABLE_ID)
    r = org.patch(f"/api/v2/users/{uid}/presences/purecloud", {"message": "back soon"})
    assert r.status_code == 200 and r.json["message"] == "back soon"
    assert r.json["presenceDefinition"]["id"] == AVAILABLE_ID


def test_unknown_presence_definition_is_refused_and_changes_nothing(org):
    uid = org.user_ids[0]
    before = org.last_seq
    r = org.patch(f"/api/v2/users/{uid}/presences/purecloud", {"presenceDefinition": {"id": "nope"}})
    assert r.status_code == 400
    assert org.events(before) == []


def test_routing_status_of_an_unknown_user_is_off_queue(org):
    r = org.get("/api/v2/users/00000000-0000-4000-8000-000000000000/routingstatus")
    assert r.status_code == 200 and r.json["status"] == "OFF_QUEUE"


@pytest.mark.parametrize("status", ["INTERACTING", "COMMUNICATING", "NOT_RESPONDING", "IDLE"])
def test_system_statuses_cannot_be_put_by_a_client(org, status):
    uid = org.user_ids[0]
    r = org.put(f"/api/v2/users/{uid}/routingstatus", {"status": status})
    assert r.status_code == 400 and r.json["code"] == "general.bad.request"
    assert r.json["message"] == "An invalid routing status transition was attempted."
    assert org.routing_status(uid) == "OFF_QUEUE"


def test_put_same_status_is_a_no_op(org):
    uid = org.user_ids[0]
    before = org.last_seq
    r = org.put(f"/api/v2/users/{uid}/routingstatus", {"status": "OFF_QUEUE"})
    assert r.status_code == 200 and r.json["status"] == "OFF_QUEUE"
    assert org.events(before) == []


def test_put_off_queue_from_idle_takes_the_agent_off_queue(org):
    uid = org.user_ids[0]
    org.set_presence(uid)
    r = org.put(f"/api/v2/users/{uid}/routingstatus", {"status": "OFF_QUEUE"})
    assert r.status_code == 200 and r.json["status"] == "OFF_QUEUE"
    presence = org.get(f"/api/v2/users/{uid}/presences/purecloud").json
    assert presence["presenceDefinition"]["systemPresence"] == "Available"


def test_unknown_routing_status_value_is_invalid_value(org):
    r = org.put(f"/api/v2/users/{org.user_ids[0]}/routingstatus", {"status": "SLEEPING"})
    assert r.status_code == 400 and r.json["code"] == "invalid.value"
    assert "SLEEPING" in r.json["message"] and "IDLE" in r.json["message"]


def test_user_queues_list_and_join_flags(org):
    uid = org.user_ids[0]
    body = org.get(f"/api/v2/users/{uid}/queues").json
    names = {q["name"] for q in body["entities"]}
    assert names == {"Chat Queue 1", "Chat Queue 2", "Web Chat Queue", "Messaging Queue 1", "Messaging Queue 2", "Web Messaging Queue"}
    assert all(q["joined"] for q in body["entities"])
    qid = org.queue_id("Chat Queue 2")
    r = org.patch(f"/api/v2/users/{uid}/queues", [{"id": qid, "joined": False}])
    assert r.status_code == 200
    assert {q["name"] for q in org.get(f"/api/v2/users/{uid}/queues?joined=true").json["entities"]} == \
        {"Chat Queue 1", "Web Chat Queue", "Messaging Queue 1", "Messaging Queue 2", "Web Messaging Queue"}


def test_users_me_with_a_user_token_and_queues_me(org):
    uid = org.user_ids[2]
    headers = org.user_headers(uid)
    assert org.get("/api/v2/users/me", headers=headers).json["id"] == uid
    mine = org.get("/api/v2/routing/queues/me", headers=headers).json
    assert mine["total"] == 6
    assert org.get("/api/v2/routing/queues/me").json["code"] == "not.a.user"
