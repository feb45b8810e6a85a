"""Values the platform cannot hold are refused with its 400, and nothing the org writes is JSON a parser refuses.

Datetimes outside years 1-9999 once shifted to UTC, dates outside them, NaN / Infinity / 1e309 in number fields:
each through every write path (create, update, upsert by external id), then every read path (REST, SOQL, the
journal's change events, the streaming state, the control API) parsed with a strict JSON parser.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from omni_harness.fakes.salesforce.errors import SalesforceError
from omni_harness.fakes.salesforce.model.fields import coerce
from omni_harness.fakes.salesforce.model.schema import DATE, DOUBLE, INT, PERCENT, Field

V = "/services/data/v67.0"
LCT = f"{V}/sobjects/LiveChatTranscript"
NUMBER_TYPES = (DOUBLE, PERCENT, INT)


def _refuse(token: str) -> Any:
    raise AssertionError(f"{token} in a JSON body")


def strict(data: bytes) -> Any:
    """What every JSON parser reads (Python's takes NaN and Infinity; no other does)."""
    return json.loads(data, parse_constant=_refuse)


def _visitor(org) -> str:
    r = org.post(f"{V}/sobjects/LiveChatVisitor/", {"SessionKey": "k"})
    assert r.status_code == 201, r.json
    return r.json["id"]


# -- DATETIME and DATE -------------------------------------------------------------------------------------

OUT_OF_RANGE_DATETIMES = ["0001-01-01T00:00:00+0100", "0001-01-01T00:59:59.999+01:00", "9999-12-31T23:00:00-0500",
                          "9999-12-31T23:59:59-00:01", "0000-12-31T23:00:00Z", "10000-01-01T00:00:00Z"]


@pytest.mark.parametrize("value", OUT_OF_RANGE_DATETIMES)
def test_a_datetime_outside_years_1_to_9999_in_utc_is_a_json_parser_error_on_create_and_update(org, value):
    chat = org.customer_chat()
    created = org.post(f"{LCT}/", {"LiveChatVisitorId": _visitor(org), "RequestTime": value})
    updated = org.patch(f"{LCT}/{chat['workItemId']}", {"RequestTime": value})
    for r in (created, updated):
        assert r.status_code == 400, r.json
        assert r.json[0]["errorCode"] == "JSON_PARSER_ERROR", r.json
        assert value in r.json[0]["message"]
    assert org.record(chat["workItemId"])["RequestTime"] != value


@pytest.mark.parametrize("value, stored", [
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000+0000"),
    ("0001-01-01T00:00:00-0100", "0001-01-01T01:00:00.000+0000"),
    ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999+0000"),
    ("9999-12-31T23:00:00+0500", "9999-12-31T18:00:00.000+0000"),
])
def test_the_first_and_last_instants_of_years_1_to_9999_are_stored_and_read_back(org, value, stored):
    chat = org.customer_chat()
    assert org.patch(f"{LCT}/{chat['workItemId']}", {"RequestTime": value}).status_code == 204
    assert org.get(f"{LCT}/{chat['workItemId']}").json["RequestTime"] == stored
    rows = org.query(f"SELECT Id, RequestTime FROM LiveChatTranscript WHERE Id = '{chat['workItemId']}'")
    assert rows[0]["RequestTime"] == stored
    # the customer leaving computes the wait from RequestTime
    assert org.client.post(f"/_fake/customers/chats/{chat['workItemId']}/leave").status_code == 200


@pytest.mark.parametrize("value", ["0000-01-01", "10000-01-01", "2024-13-01", "2024-02-30", "24-01-01", "x"])
def test_a_date_outside_the_calendar_is_a_json_parser_error(value):
    # No object of the org has a DATE field the REST API writes; the rule is the field's own.
    f = Field("Birthdate", "Birthdate", DATE)
    with pytest.raises(SalesforceError) as caught:
        coerce(f, value, None)  # type: ignore[arg-type]
    assert (caught.value.status, caught.value.error_code) == (400, "JSON_PARSER_ERROR")


def test_dates_of_years_1_and_9999_are_kept():
    f = Field("Birthdate", "Birthdate", DATE)
    assert coerce(f, "0001-01-01", None) == "0001-01-01"  # type: ignore[arg-type]
    assert coerce(f, "9999-12-31", None) == "9999-12-31"  # type: ignore[arg-type]


# -- DOUBLE, PERCENT and INT: every write path, every read path ----------------------------------------------

# Raw JSON text of a field value: bare tokens Python's parser takes, and text the field's parser might take.
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309", '"NaN"', '"Infinity"', '"-Infinity"', '"1e309"',
               '"nan"', '"inf"']
REFUSALS = {"JSON_PARSER_ERROR", "NUMBER_OUTSIDE_VALID_RANGE"}


def _numeric_fields(org, writable: str) -> list[tuple[str, str]]:
    out = []
    for otype in org.fake.schema.values():
        if not getattr(otype, writable):
            continue
        out += [(otype.name, f.name) for f in otype.fields.values()
                if f.type in NUMBER_TYPES and getattr(f, writable)]
    return out


def _send(org, method: str, path: str, field: str, raw: str):
    return org.client.open(path, method=method, data=f'{{"{field}": {raw}}}', content_type="application/json",
                           headers=org.headers)


def test_non_finite_and_overflowing_numbers_are_refused_on_every_write_path(org):
    agent = org.agent_ids()[0]
    org.online(agent)
    org.work(agent, org.customer_chat())
    org.customer_messaging()
    assert org.post(f"{V}/sobjects/PushTopic/", {"Name": "n", "Query": "SELECT Id FROM User",
                                                 "ApiVersion": 41}).status_code == 201
    created, updated = _numeric_fields(org, "createable"), _numeric_fields(org, "updateable")
    assert ("AgentWork", "CapacityWeight") in created and ("PendingServiceRouting", "CapacityWeight") in updated
    assert ("LiveChatTranscript", "WaitTime") in updated and ("PushTopic", "ApiVersion") in updated
    seen = []
    for raw in BAD_NUMBERS:
        for sobject, field in created:
            r = _send(org, "POST", f"{V}/sobjects/{sobject}/", field, raw)
            seen.append(("create", sobject, field, raw, r.status_code, r.json[0]["errorCode"]))
        for sobject, field in updated:
            record = next(org.fake.store.all(sobject), None)
            if record is None:
                continue
            r = _send(org, "PATCH", f"{V}/sobjects/{sobject}/{record['Id']}", field, raw)
            seen.append(("update", sobject, field, raw, r.status_code, r.json[0]["errorCode"]))
            # upsert by external id: the org has none but Id, and answers before reading the value
            r = _send(org, "PATCH", f"{V}/sobjects/{sobject}/Id/{record['Id']}", field, raw)
            assert r.status_code == 404, r.json
    wrong = [s for s in seen if s[4] != 400 or s[5] not in REFUSALS]
    assert not wrong, wrong
    assert {s[1] for s in seen if s[0] == "update"} >= {"PendingServiceRouting", "LiveChatTranscript",
                                                        "PushTopic", "QueueRoutingConfig"}
    _every_read_is_strict_json(org)


@pytest.mark.parametrize("raw, code", [("NaN", "JSON_PARSER_ERROR"), ("1e309", "NUMBER_OUTSIDE_VALID_RANGE"),
                                       ('"Infinity"', "JSON_PARSER_ERROR"),
                                       ("1e16", "NUMBER_OUTSIDE_VALID_RANGE")])
def test_a_bad_number_gets_the_platforms_error_body(org, raw, code):
    chat = org.customer_chat()
    r = _send(org, "PATCH", f"{V}/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}",
              "CapacityWeight", raw)
    assert r.status_code == 400
    assert org.record(chat["pendingServiceRoutingId"])["CapacityWeight"] == 1.0
    assert r.json[0]["errorCode"] == code
    if code == "NUMBER_OUTSIDE_VALID_RANGE":
        assert r.json[0]["fields"] == ["CapacityWeight"]


@pytest.mark.parametrize("raw", ["2147483648", "-2147483649", "1e10", "NaN", '"Infinity"', "1.5"])
def test_an_int_field_takes_a_32_bit_integer_only(org, raw):
    chat = org.customer_chat()
    r = _send(org, "PATCH", f"{LCT}/{chat['workItemId']}", "WaitTime", raw)
    assert r.status_code == 400 and r.json[0]["errorCode"] == "JSON_PARSER_ERROR", r.json


def test_finite_numbers_within_precision_are_kept(org):
    chat = org.customer_chat()
    config = f"{V}/sobjects/QueueRoutingConfig/{next(org.fake.store.all('QueueRoutingConfig'))['Id']}"
    assert _send(org, "PATCH", config, "CapacityWeight", "9999999999999999e-2").status_code == 204
    assert _send(org, "PATCH", f"{LCT}/{chat['workItemId']}", "WaitTime", "2147483647").status_code == 204
    assert org.get(config).json["CapacityWeight"] == pytest.approx(99999999999999.99)
    assert org.get(f"{LCT}/{chat['workItemId']}").json["WaitTime"] == 2147483647


def test_a_non_finite_value_in_any_other_json_body_is_a_parser_error(org):
    r = org.client.post(f"{V}/sobjects/PushTopic/", data='{"Name": "t", "Query": "SELECT Id FROM User", '
                        '"ApiVersion": NaN}', content_type="application/json", headers=org.headers)
    assert r.status_code == 400 and r.json[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert "Non-standard token 'NaN'" in r.json[0]["message"] and "column:61" in r.json[0]["message"]
    agent = org.agent_ids()[0]
    r = org.client.post(f"/omni-toolkit/v1/users/{agent}/setServicePresenceStatus", data='{"statusId": Infinity}',
                        content_type="application/json", headers=org.headers)
    assert r.status_code == 400 and r.json[0]["errorCode"] == "JSON_PARSER_ERROR"


def _every_read_is_strict_json(org) -> None:
    for name, otype in org.fake.schema.items():
        names = [f for f in otype.fields if f not in ("Body",)]
        rows = org.query(f"SELECT {', '.join(names)} FROM {name} LIMIT 200", all_rows=True)
        for row in rows[:5]:
            strict(org.get(f"{V}/sobjects/{name}/{row['Id']}").data)
    # the org's change events and streaming state; the journal's request entries are the shared app's (see below)
    for path in ("/_fake/state", "/_fake/events", "/_fake/streaming"):
        r = org.client.get(path)
        assert r.status_code == 200
        strict(r.data)


# -- a value that slips past the rules fails loudly instead of leaving as invalid JSON -----------------------

def test_a_stored_nan_makes_every_reader_fail_loudly_not_emit_invalid_json(org):
    chat = org.customer_chat()
    with org.fake.lock:
        org.fake.store.get(chat["pendingServiceRoutingId"])["CapacityWeight"] = float("nan")
    plain = FlaskClient(org.client.application, use_cookies=False)
    psr = f"{V}/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}"
    reads = [plain.get(psr, headers=org.headers),
             plain.get(f"{V}/query", query_string={"q": "SELECT CapacityWeight FROM PendingServiceRouting"},
                       headers=org.headers),
]
    for r in reads:
        assert r.status_code == 500, r.data
        strict(r.data)
    with org.fake.lock:
        org.fake.store.get(chat["pendingServiceRoutingId"])["CapacityWeight"] = 1.0


def test_the_journal_serves_a_clients_nan_body_as_valid_json(org):
    chat = org.customer_chat()
    _send(org, "PATCH", f"{V}/sobjects/PendingServiceRouting/{chat['pendingServiceRoutingId']}", "CapacityWeight",
          "NaN")
    strict(org.client.get("/_fake/journal").data)
