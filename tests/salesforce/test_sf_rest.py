"""REST API of the org (reference §2): versions, describe, CRUD, query paging, headers, ids and field rules."""

from __future__ import annotations

import re

import pytest

from omni_harness.fakes.core.ids import sf_checksum

V = "/services/data/v67.0"


def test_versions_list_41_to_67_with_release_labels_and_no_session(org):
    r = org.client.get("/services/data/")
    assert r.status_code == 200
    versions = r.json
    assert [v["version"] for v in versions] == [f"{n}.0" for n in range(41, 68)]
    labels = {v["version"]: v["label"] for v in versions}
    assert labels["41.0"] == "Winter '18"
    assert labels["59.0"] == "Winter '24"
    assert labels["62.0"] == "Winter '25"
    assert labels["66.0"] == "Spring '26"
    assert labels["67.0"] == "Summer '26"
    assert versions[-1]["url"] == "/services/data/v67.0"
    assert org.client.get("/services/data").json == versions
    assert "Sforce-Limit-Info" not in r.headers


def test_resources_and_limits(org):
    r = org.get(f"{V}/")
    assert r.status_code == 200
    assert r.json["sobjects"] == f"{V}/sobjects"
    assert r.json["query"] == f"{V}/query"
    r = org.get(f"{V}/limits")
    assert r.json["DailyApiRequests"]["Max"] == org.fake.api_request_limit() >= 100_000


@pytest.mark.parametrize("version", ["v40.0", "v68.0", "59.0", "vX"])
def test_unknown_api_version_is_not_found(org, version):
    r = org.get(f"/services/data/{version}/sobjects")
    assert r.status_code == 404
    assert r.json[0]["errorCode"] == "NOT_FOUND"


def test_every_supported_version_and_latest_alias_serve(org):
    assert org.get("/services/data/v41.0/sobjects").status_code == 200
    assert org.get("/services/data/latest/sobjects").status_code == 200


def test_limit_info_header_counts_api_calls(org):
    first = org.get(f"{V}/sobjects")
    second = org.get(f"{V}/sobjects")
    limit = org.fake.api_request_limit()
    used1 = int(re.match(rf"api-usage=(\d+)/{limit}$", first.headers["Sforce-Limit-Info"]).group(1))
    used2 = int(re.match(rf"api-usage=(\d+)/{limit}$", second.headers["Sforce-Limit-Info"]).group(1))
    assert used2 == used1 + 1
    assert first.headers["Content-Type"] == "application/json;charset=UTF-8"


def test_oauth_and_bearer_authorization_schemes(org):
    assert org.get(f"{V}/sobjects", headers={"Authorization": f"OAuth {org.token}"}).status_code == 200
    assert org.get(f"{V}/sobjects", headers={"Authorization": f"Bearer {org.token}"}).status_code == 200
    r = org.get(f"{V}/sobjects", headers={})
    assert r.status_code == 401
    assert r.json == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_global_describe_lists_the_omni_objects_with_key_prefixes(org):
    r = org.get(f"{V}/sobjects")
    prefixes = {o["name"]: o["keyPrefix"] for o in r.json["sobjects"]}
    assert prefixes["AgentWork"] == "0Bz"
    assert prefixes["PendingServiceRouting"] == "0JR"
    assert prefixes["ServiceChannel"] == "0N9"
    assert prefixes["ServicePresenceStatus"] == "0N5"
    assert prefixes["User"] == "005"
    assert prefixes["Group"] == "00G"
    assert prefixes["LiveChatTranscript"] == "570"
    assert prefixes["PushTopic"] == "0IF"
    calls = {o["name"]: o for o in r.json["sobjects"]}
    assert calls["UserServicePresence"]["createable"] is False
    assert calls["UserServicePresence"]["updateable"] is False
    assert calls["UserServicePresence"]["deletable"] is True


def test_agent_work_describe_status_is_a_read_only_restricted_picklist(org):
    r = org.get(f"{V}/sobjects/AgentWork/describe")
    assert r.status_code == 200
    fields = {f["name"]: f for f in r.json["fields"]}
    status = fields["Status"]
    assert status["type"] == "picklist"
    assert status["restrictedPicklist"] is True
    assert status["createable"] is False and status["updateable"] is False
    # The PushTopic numeric encoding of the older guide indexes this list: 0 Assigned .. 7 Transferred.
    assert [v["value"] for v in status["picklistValues"]] == [
        "Assigned", "Unavailable", "Declined", "Opened", "Closed", "DeclinedOnPushTimeout", "Canceled", "Transferred"]
    for name in ("ServiceChannelId", "WorkItemId", "UserId", "PendingServiceRoutingId", "CapacityWeight"):
        assert fields[name]["createable"] is True and fields[name]["updateable"] is False, name
    assert not any(f["updateable"] for f in r.json["fields"])
    assert fields["UserId"]["referenceTo"] == ["User"] and fields["UserId"]["relationshipName"] == "User"
    assert set(fields["WorkItemId"]["referenceTo"]) == {"LiveChatTranscript", "MessagingSession"}


def test_describe_of_psr_and_usp(org):
    psr = {f["name"]: f for f in org.get(f"{V}/sobjects/PendingServiceRouting/describe").json["fields"]}
    assert [v["value"] for v in psr["RoutingModel"]["picklistValues"]] == ["ExternalRouting", "LeastActive",
                                                                           "MostAvailable"]
    assert psr["IsPushed"]["createable"] is False and psr["Serial"]["type"] == "int"
    usp = org.get(f"{V}/sobjects/UserServicePresence/describe").json
    assert usp["createable"] is False
    assert not any(f["createable"] or f["updateable"] for f in usp["fields"])


def test_unknown_sobject_is_not_found(org):
    for path in (f"{V}/sobjects/Nope/describe", f"{V}/sobjects/Nope", f"{V}/sobjects/Nope/0055i0000000001AAA"):
        r = org.get(path)
        assert r.status_code == 404, path
        assert r.json[0]["errorCode"] == "NOT_FOUND"


def test_basic_info(org):
    r = org.get(f"{V}/sobjects/User")
    assert r.json["objectDescribe"]["keyPrefix"] == "005"


@pytest.mark.parametrize("path", ["sobjects/PushTopic/", "sobjects/PushTopic", "sobjects/pushtopic/"])
def test_create_with_and_without_trailing_slash(org, path):
    body = {"Name": "PSR", "Query": "SELECT Id, Serial, IsPushed FROM PendingServiceRouting", "ApiVersion": 41.0}
    r = org.post(f"{V}/{path}", body)
    assert r.status_code == 201, r.json
    record_id = r.json["id"]
    assert record_id.startswith("0IF") and len(record_id) == 18
    assert record_id[15:] == sf_checksum(record_id[:15])
    assert r.json == {"id": record_id, "success": True, "errors": []}


def test_retrieve_update_delete_round_trip_with_15_char_ids(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "Works", "Query": "SELECT Id FROM AgentWork", "ApiVersion": 41})
    record_id = r.json["id"]
    short = record_id[:15]
    record = org.get(f"{V}/sobjects/PushTopic/{short}").json
    assert record["attributes"] == {"type": "PushTopic", "url": f"{V}/sobjects/PushTopic/{record_id}"}
    assert record["Id"] == record_id
    assert record["NotifyForFields"] == "Referenced" and record["IsActive"] is True
    assert record["CreatedDate"].endswith("+0000")
    assert org.patch(f"{V}/sobjects/PushTopic/{short}", {"Description": "all work"}).status_code == 204
    only = org.get(f"{V}/sobjects/PushTopic/{record_id}", query_string={"fields": "Description,Name"}).json
    assert set(only) == {"attributes", "Description", "Name", "Id"}
    assert only["Description"] == "all work"
    assert org.delete(f"{V}/sobjects/PushTopic/{short}").status_code == 204
    assert org.get(f"{V}/sobjects/PushTopic/{record_id}").status_code == 404
    # A deleted record stays visible to queryAll only.
    assert org.query(f"SELECT Id FROM PushTopic WHERE Id = '{record_id}'") == []
    rows = org.query(f"SELECT Id, IsDeleted FROM PushTopic WHERE Id = '{record_id}'", all_rows=True)
    assert rows[0]["IsDeleted"] is True


def test_retrieve_by_external_id_path_with_id(org):
    user_id = org.agent_ids()[0]
    assert org.get(f"{V}/sobjects/User/Id/{user_id}").json["Id"] == user_id
    r = org.get(f"{V}/sobjects/User/Email/x@example.com")
    assert r.status_code == 404
    assert "Provided external ID field does not exist" in r.json[0]["message"]


def test_retrieve_with_an_unknown_field_is_invalid_field(org):
    r = org.get(f"{V}/sobjects/User/{org.agent_ids()[0]}", query_string={"fields": "Nope"})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_FIELD"


def test_retrieve_with_an_id_of_another_type_is_not_found(org):
    r = org.get(f"{V}/sobjects/AgentWork/{org.agent_ids()[0]}")
    assert r.status_code == 404


def test_query_with_and_without_trailing_slash(org):
    for path in (f"{V}/query", f"{V}/query/"):
        r = org.get(path, query_string={"q": "SELECT Id, Email FROM User WHERE UserType = 'Standard'"})
        assert r.status_code == 200, path
        assert r.json["done"] is True
        assert r.json["totalSize"] == len(r.json["records"]) == 4 + 1  # agents + integration user
        assert r.json["records"][0]["attributes"]["type"] == "User"


def test_query_count(org):
    r = org.get(f"{V}/query", query_string={"q": "SELECT COUNT() FROM Group WHERE Type = 'Queue'"})
    assert r.json == {"totalSize": 4, "done": True, "records": []}


def test_query_parent_relationship_fields(org):
    rows = org.query("SELECT Id, Owner.Name FROM Group WHERE DeveloperName = 'Chat_Queue_1'")
    assert rows[0]["Owner"]["Name"] == "Omni Integration"


def _visitors(org, n: int) -> None:
    with org.fake.transaction(org.fake.integration_user_id) as tx:
        for _ in range(n):
            tx.create("LiveChatVisitor", {"SessionKey": "k"})


def test_query_paging_with_next_records_url_and_locator(org):
    _visitors(org, 450)
    r = org.get(f"{V}/query/", query_string={"q": "SELECT Id FROM LiveChatVisitor"},
                headers={**org.headers, "Sforce-Query-Options": "batchSize=200"})
    page = r.json
    assert page["totalSize"] == 450 and page["done"] is False and len(page["records"]) == 200
    url = page["nextRecordsUrl"]
    assert re.match(r"^/services/data/v67\.0/query/01g[a-zA-Z0-9]{15}-200$", url)
    seen = [x["Id"] for x in page["records"]]
    page = org.get(url).json  # the full nextRecordsUrl
    seen += [x["Id"] for x in page["records"]]
    locator = page["nextRecordsUrl"].rsplit("/", 1)[1]
    assert locator.endswith("-400")
    page = org.get(f"{V}/query/{locator}").json  # rebuilt from the locator
    seen += [x["Id"] for x in page["records"]]
    assert page["done"] is True and "nextRecordsUrl" not in page
    assert len(seen) == len(set(seen)) == 450


def test_default_batch_is_2000_and_batch_size_is_clamped(org):
    _visitors(org, 250)
    r = org.get(f"{V}/query", query_string={"q": "SELECT Id FROM LiveChatVisitor"})
    assert r.json["done"] is True and len(r.json["records"]) == 250
    r = org.get(f"{V}/query", query_string={"q": "SELECT Id FROM LiveChatVisitor"},
                headers={**org.headers, "Sforce-Query-Options": "batchSize=5"})
    assert len(r.json["records"]) == 200  # the platform's minimum batch


def test_expired_or_unknown_locator(org):
    _visitors(org, 250)
    r = org.get(f"{V}/query", query_string={"q": "SELECT Id FROM LiveChatVisitor"},
                headers={**org.headers, "Sforce-Query-Options": "batchSize=200"})
    url = r.json["nextRecordsUrl"]
    org.world.clock.advance(16 * 60)
    r = org.get(url)
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    assert org.get(f"{V}/query/01g5i0000000009AAA-0").status_code == 400


def test_query_all_includes_deleted_records(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "Gone", "Query": "SELECT Id FROM User", "ApiVersion": 41})
    org.delete(f"{V}/sobjects/PushTopic/{r.json['id']}")
    assert org.query("SELECT Id FROM PushTopic WHERE Name = 'Gone'") == []
    assert len(org.query("SELECT Id FROM PushTopic WHERE Name = 'Gone'", all_rows=True)) == 1


# -- field rules -----------------------------------------------------------------------------------------------

def test_create_with_id_is_refused(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Id": "0IF5i0000000001AAA", "Name": "x", "Query": "SELECT Id FROM User",
                                               "ApiVersion": 41})
    assert r.status_code == 400
    assert r.json == [{"message": "The Id field should not be specified in the sobject data.",
                       "errorCode": "INVALID_FIELD"}]


def test_required_fields_are_enforced(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "x"})
    assert r.status_code == 400
    assert r.json == [{"message": "Required fields are missing: [Query, ApiVersion]",
                       "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Query", "ApiVersion"]}]
    r = org.post(f"{V}/sobjects/AgentWork/", {"UserId": org.agent_ids()[0]})
    assert r.json[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert r.json[0]["fields"] == ["ServiceChannelId", "WorkItemId"]


def test_restricted_picklist_is_enforced_with_the_label_prefixed_message(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "x", "Query": "SELECT Id FROM User", "ApiVersion": 41,
                                               "NotifyForFields": "Everything"})
    assert r.status_code == 400
    assert r.json == [{"message": "Notify For Fields: bad value for restricted picklist field: Everything",
                       "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "fields": ["NotifyForFields"]}]
    chat = org.customer_chat()
    r = org.patch(f"{V}/sobjects/LiveChatTranscript/{chat['workItemId']}", {"Status": "Foo"})
    assert r.json[0]["message"] == "Status: bad value for restricted picklist field: Foo"


def test_agent_work_fields_cannot_be_updated(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    work_id = org.work(agent, org.customer_chat())
    r = org.patch(f"{V}/sobjects/AgentWork/{work_id}", {"Status": "Closed"})
    assert r.status_code == 400
    assert r.json[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert r.json[0]["fields"] == ["Status"]
    r = org.patch(f"{V}/sobjects/AgentWork/{work_id}", {"UserId": org.agent_ids()[1]})
    assert r.json[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert org.record(work_id)["Status"] == "Assigned"


def test_user_service_presence_cannot_be_created_or_updated_but_can_be_deleted(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    r = org.post(f"{V}/sobjects/UserServicePresence/", {"UserId": agent})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
    usp = org.query(f"SELECT Id FROM UserServicePresence WHERE UserId = '{agent}'")[0]["Id"]
    r = org.patch(f"{V}/sobjects/UserServicePresence/{usp}", {"IsAway": True})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
    assert org.delete(f"{V}/sobjects/UserServicePresence/{usp}").status_code == 204


def test_users_cannot_be_deleted_and_usernames_are_unique(org):
    agent = org.agent_ids()[0]
    assert org.delete(f"{V}/sobjects/User/{agent}").json[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"
    username = org.record(agent)["Username"]
    body = {"Username": username, "LastName": "Dup", "Email": "dup@example.com", "Alias": "dup",
            "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US"}
    assert org.post(f"{V}/sobjects/User/", body).json[0]["errorCode"] == "DUPLICATE_USERNAME"
    body["Username"] = "new.user@example.com"
    r = org.post(f"{V}/sobjects/User/", body)
    assert r.status_code == 201
    assert org.record(r.json["id"])["Name"] == "Dup"


def test_reference_fields_check_id_shape_type_and_existence(org):
    chat = org.customer_chat()
    base = {"ServiceChannelId": org.channel_id(), "WorkItemId": chat["workItemId"], "UserId": org.agent_ids()[0]}
    r = org.post(f"{V}/sobjects/AgentWork/", {**base, "UserId": "not-an-id"})
    assert r.json[0]["errorCode"] == "MALFORMED_ID" and r.json[0]["fields"] == ["UserId"]
    r = org.post(f"{V}/sobjects/AgentWork/", {**base, "UserId": org.queue_id()})
    assert r.json[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    r = org.post(f"{V}/sobjects/AgentWork/", {**base, "UserId": "0055i00000009ZZ"})
    assert r.json[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_type_errors_are_json_parser_errors(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "x", "Query": "SELECT Id FROM User", "ApiVersion": "abc"})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "JSON_PARSER_ERROR"
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "x", "Query": "SELECT Id FROM User", "ApiVersion": 41,
                                               "IsActive": "maybe"})
    assert r.json[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_push_topic_query_is_checked(org):
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "x", "Query": "SELECT Nope FROM AgentWork", "ApiVersion": 41})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_FIELD"
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "x", "Query": "SELECT Status FROM AgentWork", "ApiVersion": 41})
    assert r.status_code == 400 and r.json[0]["errorCode"] == "INVALID_FIELD"
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "twenty-six-characters-lon", "Query": "SELECT Id FROM User",
                                               "ApiVersion": 41})
    assert r.status_code == 201
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "twenty-six-characters-long", "Query": "SELECT Id FROM User",
                                               "ApiVersion": 41})
    assert r.json[0]["errorCode"] == "STRING_TOO_LONG"
    r = org.post(f"{V}/sobjects/PushTopic/", {"Name": "twenty-six-characters-lon", "Query": "SELECT Id FROM User",
                                               "ApiVersion": 41})
    assert r.json[0]["errorCode"] == "DUPLICATE_VALUE"


def test_rest_changes_carry_the_rest_change_origin_and_the_session_user(org):
    mark = org.mark()
    org.post(f"{V}/sobjects/PushTopic/", {"Name": "o", "Query": "SELECT Id FROM User", "ApiVersion": 41},
             headers={**org.headers, "Sforce-Call-Options": "client=my-connector"})
    (_, change, data), = org.changes(mark)
    assert change == "CREATE"
    assert data["changeOrigin"] == "com/salesforce/api/rest/67.0;client=my-connector"
    assert data["commitUser"] == org.fake.integration_user_id
    assert "Name" in data["changedFields"] and "attributes" not in data["record"]
