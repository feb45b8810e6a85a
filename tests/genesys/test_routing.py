"""Routing: queues (paging, ACW settings, alerting timeout), members (expand, partial listing, add/remove), wrap-up codes."""

from __future__ import annotations

from genesys_org import ON_QUEUE_ID


def test_seeded_chat_queues_have_mandatory_wrapup_and_an_alerting_timeout(org):
    body = org.get("/api/v2/routing/queues").json
    names = [q["name"] for q in body["entities"]]
    assert names == ["Chat Queue 1", "Chat Queue 2", "Messaging Queue 1", "Messaging Queue 2", "Web Chat Queue",
                     "Web Messaging Queue"]
    for q in body["entities"]:
        assert q["acwSettings"] == {"wrapupPrompt": "MANDATORY"}
        assert q["mediaSettings"]["chat"]["alertingTimeoutSeconds"] == 30
        assert q["memberCount"] == 4 and q["joinedMemberCount"] == 4


def test_queue_paging_and_filters(org):
    first = org.get("/api/v2/routing/queues?pageSize=2&pageNumber=1").json
    assert len(first["entities"]) == 2 and first["pageCount"] == 3 and first["total"] == 6
    last = org.get("/api/v2/routing/queues?pageSize=2&pageNumber=3").json
    assert [q["name"] for q in last["entities"]] == ["Web Chat Queue", "Web Messaging Queue"]
    assert "nextUri" not in last and last["previousUri"].endswith("pageNumber=2")
    named = org.get("/api/v2/routing/queues?name=Web*").json
    assert [q["name"] for q in named["entities"]] == ["Web Chat Queue", "Web Messaging Queue"]
    desc = org.get("/api/v2/routing/queues?sortOrder=desc").json
    assert desc["entities"][0]["name"] == "Web Messaging Queue"
    assert org.get("/api/v2/routing/queues?pageSize=0").status_code == 400
    assert org.get("/api/v2/routing/queues?pageSize=x").status_code == 400


def test_unknown_queue_is_resource_not_found(org):
    r = org.get("/api/v2/routing/queues/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and r.json["code"] == "resource.not.found"


def test_members_listing_is_partial_and_expands_routing_status_and_presence(org):
    qid = org.queue_id()
    uid = org.user_ids[0]
    org.set_presence(uid, ON_QUEUE_ID)
    body = org.get(f"/api/v2/routing/queues/{qid}/members?expand=routingStatus,presence").json
    assert set(body) >= {"entities", "pageNumber", "pageSize", "firstUri", "selfUri"}
    assert not {"total", "pageCount", "lastUri"} & set(body)
    member = next(m for m in body["entities"] if m["id"] == uid)
    assert member["routingStatus"]["status"] == "IDLE" and member["joined"] is True
    assert member["user"]["presence"]["presenceDefinition"]["systemPresence"] == "On Queue"
    idle = org.get(f"/api/v2/routing/queues/{qid}/members?routingStatus=IDLE").json["entities"]
    assert [m["id"] for m in idle] == [uid]
    assert org.get(f"/api/v2/routing/queues/{qid}/members?pageSize=101").status_code == 400


def test_post_members_adds_and_removes(org):
    qid = org.queue_id()
    keep = org.user_ids[:2]
    org.only_in_queue("Chat Queue 1", keep)
    body = org.get(f"/api/v2/routing/queues/{qid}/members").json
    assert sorted(m["id"] for m in body["entities"]) == sorted(keep)
    assert org.get(f"/api/v2/routing/queues/{qid}").json["memberCount"] == 2
    events = org.events(type="queue.members")
    assert [e.data["action"] for e in events] == ["removed"]  # the two kept were already members
    r = org.post(f"/api/v2/routing/queues/{qid}/members", [{"id": "00000000-0000-4000-8000-000000000000"}])
    assert r.status_code == 400


def test_org_wrapup_codes_include_one_no_chat_queue_allows(org):
    org_codes = {c["name"]: c["id"] for c in org.get("/api/v2/routing/wrapupcodes").json["entities"]}
    queue_codes = set()
    for q in org.get("/api/v2/routing/queues").json["entities"]:
        queue_codes |= {c["id"] for c in org.get(f"/api/v2/routing/queues/{q['id']}/wrapupcodes").json["entities"]}
    assert queue_codes and set(org_codes.values()) - queue_codes
    code_id = org_codes["Resolved"]
    assert org.get(f"/api/v2/routing/wrapupcodes/{code_id}").json["name"] == "Resolved"
    r = org.get("/api/v2/routing/wrapupcodes/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404 and r.json["code"] == "resource.not.found"
    ordered = [c["name"] for c in org.get("/api/v2/routing/wrapupcodes?sortOrder=descending").json["entities"]]
    assert ordered == sorted(ordered, key=str.lower, reverse=True)


def test_put_queue_changes_acw_and_alerting_timeout(org):
    qid = org.queue_id()
    r = org.put(f"/api/v2/routing/queues/{qid}", {"name": "Chat Queue 1",
                                                  "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 5000},
                                                  "mediaSettings": {"chat": {"alertingTimeoutSeconds": 10}}})
    assert r.status_code == 200
    assert r.json["acwSettings"] == {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 5000}
    assert r.json["mediaSettings"]["chat"]["alertingTimeoutSeconds"] == 10
    r = org.put(f"/api/v2/routing/queues/{qid}", {"name": "Chat Queue 2"})
    assert r.status_code == 400
