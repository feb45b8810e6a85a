"""SOQL engine: parsing, the platform's error texts, filtering, ordering, relationship paths, REST shape.

Runs against a small in-test record source, so it checks the engine alone; the org's REST tests check it
behind `/query`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from omni_harness.fakes.core.ids import sf_checksum
from omni_harness.fakes.salesforce.config import SOQL
from omni_harness.fakes.salesforce.errors import SalesforceError, SoqlError, query_refused
from omni_harness.fakes.salesforce.model import soql
from omni_harness.fakes.salesforce.model.soql import execute, matches, parse


def _id(prefix: str, n: int) -> str:
    id15 = f"{prefix}5i0{n:09d}"
    return id15 + sf_checksum(id15)


@dataclass
class F:
    name: str
    type: str
    reference_to: list[str] = field(default_factory=list)
    relationship_name: str | None = None


SCHEMA: dict[str, dict[str, F]] = {
    "User": {f.name: f for f in [F("Id", "id"), F("Name", "string"), F("Email", "email"), F("IsActive", "boolean"),
                                 F("CreatedDate", "datetime")]},
    "Group": {f.name: f for f in [F("Id", "id"), F("Name", "string"), F("DeveloperName", "string"),
                                  F("Type", "picklist"), F("Email", "email")]},
    "ServiceChannel": {f.name: f for f in [F("Id", "id"), F("DeveloperName", "string"), F("MasterLabel", "string")]},
    "AgentWork": {f.name: f for f in [
        F("Id", "id"), F("Name", "string"), F("Status", "picklist"), F("CapacityWeight", "double"),
        F("IsDeleted", "boolean"), F("RequestDateTime", "datetime"), F("ActivityDate", "date"),
        F("UserId", "reference", ["User"], "User"),
        F("ServiceChannelId", "reference", ["ServiceChannel"], "ServiceChannel"),
        F("OwnerId", "reference", ["Group", "User"], "Owner"),
    ]},
}

U1, U2 = _id("005", 1), _id("005", 2)
Q1 = _id("00G", 1)
CH = _id("0N9", 1)
W = [_id("0Bz", n) for n in range(1, 6)]


def _records() -> dict[str, list[dict]]:
    return {
        "User": [
            {"Id": U1, "Name": "Ada Lovelace", "Email": "ada@example.com", "IsActive": True,
             "CreatedDate": "2024-01-01T00:00:00.000+0000"},
            {"Id": U2, "Name": "bob O'Hara", "Email": "bob@example.com", "IsActive": False,
             "CreatedDate": "2024-06-01T12:00:00.000+0000"},
        ],
        "Group": [{"Id": Q1, "Name": "Chat Queue 1", "DeveloperName": "Chat_Queue_1", "Type": "Queue",
                   "Email": None}],
        "ServiceChannel": [{"Id": CH, "DeveloperName": "sfdc_livechat", "MasterLabel": "Chat"}],
        "AgentWork": [
            {"Id": W[0], "Name": "00000001", "Status": "Assigned", "CapacityWeight": 1.0, "IsDeleted": False,
             "RequestDateTime": "2024-05-01T10:00:00.000+0000", "ActivityDate": "2024-05-01", "UserId": U1,
             "ServiceChannelId": CH, "OwnerId": U1},
            {"Id": W[1], "Name": "00000002", "Status": "Opened", "CapacityWeight": 2.0, "IsDeleted": False,
             "RequestDateTime": "2024-05-02T10:00:00.000+0000", "ActivityDate": "2024-05-02", "UserId": U2,
             "ServiceChannelId": CH, "OwnerId": Q1},
            {"Id": W[2], "Name": "00000003", "Status": "Closed", "CapacityWeight": None, "IsDeleted": False,
             "RequestDateTime": None, "ActivityDate": None, "UserId": None, "ServiceChannelId": CH,
             "OwnerId": U2},
            {"Id": W[3], "Name": "00000004", "Status": "Declined", "CapacityWeight": 5.0, "IsDeleted": False,
             "RequestDateTime": "2024-05-03T23:59:59.000+0000", "ActivityDate": "2024-05-03", "UserId": U1,
             "ServiceChannelId": None, "OwnerId": U1},
            {"Id": W[4], "Name": "00000005", "Status": "Closed", "CapacityWeight": 1.0, "IsDeleted": True,
             "RequestDateTime": "2024-05-04T00:00:00.000+0000", "ActivityDate": "2024-05-04", "UserId": U1,
             "ServiceChannelId": CH, "OwnerId": U1},
        ],
    }


class Source:
    """The record-source protocol over plain dicts (no `sobject_of`, so types come from reference_to)."""

    def __init__(self, records=None, now: float | None = None) -> None:
        self.data = records or _records()
        self._now = now

    def sobject_name(self, name):
        return next((n for n in SCHEMA if n.lower() == name.lower()), None)

    def field(self, sobject, name):
        return next((f for f in SCHEMA[sobject].values() if f.name.lower() == name.lower()), None)

    def records(self, sobject, include_deleted):
        return [r for r in self.data.get(sobject, []) if include_deleted or not r.get("IsDeleted")]

    def get(self, record_id):
        return next((r for rs in self.data.values() for r in rs if r["Id"] == soql.sf_to18(record_id)), None)

    def now(self):
        return self._now if self._now is not None else datetime(2024, 5, 2, 15, tzinfo=UTC).timestamp()

    def field_names(self, sobject):
        return list(SCHEMA[sobject])


SRC = Source()


def ids(text: str, source=SRC, **kw) -> list[str]:
    return [r["Id"] for r in execute(parse(text), source, **kw)]


def err(text: str, source=SRC) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        execute(parse(text), source)
    return info.value


# -- filters -----------------------------------------------------------------------------------------------

FILTERS = [
    ("Status = 'Opened'", [W[1]]),
    ("status = 'opened'", [W[1]]),  # names and string values compare case-insensitively
    ("Status != 'Closed'", [W[0], W[1], W[3]]),
    ("Status <> 'Closed'", [W[0], W[1], W[3]]),
    ("Status IN ('Assigned', 'Declined')", [W[0], W[3]]),
    ("Status NOT IN ('Assigned', 'Declined')", [W[1], W[2]]),
    ("Name LIKE '0000000_'", [W[0], W[1], W[2], W[3]]),
    ("Name LIKE '%2'", [W[1]]),
    ("Status LIKE 'de%'", [W[3]]),
    ("CapacityWeight > 1", [W[1], W[3]]),
    ("CapacityWeight >= 2", [W[1], W[3]]),
    ("CapacityWeight < 2", [W[0]]),
    ("CapacityWeight <= 2.0", [W[0], W[1]]),
    ("CapacityWeight = -1", []),
    ("CapacityWeight = null", [W[2]]),
    ("CapacityWeight != null", [W[0], W[1], W[3]]),
    ("UserId = null", [W[2]]),
    ("CapacityWeight != 1", [W[1], W[2], W[3]]),  # null is a value: != matches it
    (f"UserId = '{U1[:15]}'", [W[0], W[3]]),  # a 15-character id matches the 18-character one
    (f"UserId = '{U1.lower()[:15].upper()}'", []),  # 15-character ids are case-sensitive
    (f"Id IN ('{W[0]}', '{W[3][:15]}')", [W[0], W[3]]),
    ("IsDeleted = false", [W[0], W[1], W[2], W[3]]),
    ("RequestDateTime > 2024-05-02T00:00:00Z", [W[1], W[3]]),
    ("RequestDateTime <= 2024-05-02T12:00:00+02:00", [W[0], W[1]]),
    ("RequestDateTime < 2024-05-02T12:00:00+02:00", [W[0]]),
    ("RequestDateTime >= 2024-05-03T23:59:59.000Z", [W[3]]),
    ("ActivityDate = 2024-05-02", [W[1]]),
    ("ActivityDate > 2024-05-01", [W[1], W[3]]),
    ("RequestDateTime = TODAY", [W[1]]),
    ("RequestDateTime = YESTERDAY", [W[0]]),
    ("ActivityDate = TOMORROW", [W[3]]),
    ("RequestDateTime > TODAY", [W[3]]),
    ("RequestDateTime < TODAY", [W[0]]),
    ("Status = 'Opened' OR Status = 'Declined'", [W[1], W[3]]),
    ("Status = 'Closed' AND CapacityWeight = null", [W[2]]),
    ("NOT Status = 'Closed'", [W[0], W[1], W[3]]),
    ("NOT (Status = 'Closed' OR Status = 'Opened')", [W[0], W[3]]),
    ("(Status = 'Closed' OR Status = 'Opened') AND UserId != null", [W[1]]),
    ("(CapacityWeight > 1 AND UserId = null) OR (Status = 'Assigned')", [W[0]]),
    ("User.Email = 'ada@example.com'", [W[0], W[3]]),
    ("User.IsActive = false", [W[1]]),
    ("ServiceChannel.DeveloperName = 'sfdc_livechat'", [W[0], W[1], W[2]]),
    ("ServiceChannel.DeveloperName != 'sfdc_livechat'", [W[3]]),
    ("Owner.Name LIKE 'chat%'", [W[1]]),
    (f"Owner.Id = '{Q1}'", [W[1]]),
]


@pytest.mark.parametrize(("where", "expected"), FILTERS, ids=[w for w, _ in FILTERS])
def test_where_clause_selects_the_records_the_platform_would(where, expected):
    assert ids(f"SELECT Id FROM AgentWork WHERE {where}") == expected


def test_query_all_sees_deleted_records_and_query_does_not():
    assert W[4] not in ids("SELECT Id FROM AgentWork")
    assert W[4] in ids("SELECT Id FROM AgentWork", include_deleted=True)


def test_string_escapes_and_like_escapes():
    assert ids("SELECT Id FROM User WHERE Name = 'bob O\\'Hara'") == [U2]
    data = _records()
    data["User"][0]["Name"] = "100% sure_thing"
    source = Source(data)
    assert ids("SELECT Id FROM User WHERE Name LIKE '100\\% sure\\_%'", source) == [U1]
    assert ids("SELECT Id FROM User WHERE Name LIKE '100\\%x%'", source) == []


# -- shape, order, paging ----------------------------------------------------------------------------------

def test_records_come_back_in_rest_shape_with_fields_in_select_order_and_canonical_names():
    rows = execute(parse("select capacityweight, ID, status from agentwork where name = '00000002'"), SRC,
                   api_version="59.0")
    assert rows == [{
        "attributes": {"type": "AgentWork", "url": f"/services/data/v59.0/sobjects/AgentWork/{W[1]}"},
        "CapacityWeight": 2.0, "Id": W[1], "Status": "Opened",
    }]
    assert list(rows[0]) == ["attributes", "CapacityWeight", "Id", "Status"]


def test_parent_relationship_fields_are_nested_objects_with_their_own_attributes():
    rows = execute(parse("SELECT Id, User.Email, ServiceChannel.DeveloperName, User.Name FROM AgentWork "
                         "ORDER BY Name"), SRC)
    first = rows[0]
    assert list(first) == ["attributes", "Id", "User", "ServiceChannel"]
    assert first["User"] == {"attributes": {"type": "User", "url": f"/services/data/v67.0/sobjects/User/{U1}"},
                             "Email": "ada@example.com", "Name": "Ada Lovelace"}
    assert first["ServiceChannel"]["DeveloperName"] == "sfdc_livechat"
    # a null reference gives a null relationship
    assert rows[2]["User"] is None
    assert rows[3]["ServiceChannel"] is None


def test_polymorphic_parent_comes_back_as_the_name_object_with_its_real_url():
    rows = execute(parse("SELECT Owner.Name, Owner.Type FROM AgentWork WHERE Name = '00000002'"), SRC)
    owner = rows[0]["Owner"]
    assert owner["attributes"] == {"type": "Name", "url": f"/services/data/v67.0/sobjects/Group/{Q1}"}
    assert owner["Name"] == "Chat Queue 1"
    assert owner["Type"] == "Queue"
    user_owned = execute(parse("SELECT Owner.Type FROM AgentWork WHERE Name = '00000001'"), SRC)
    assert user_owned[0]["Owner"]["Type"] == "User"


ORDERS = [
    ("ORDER BY Name DESC", [W[3], W[2], W[1], W[0]]),
    ("ORDER BY CapacityWeight", [W[2], W[0], W[1], W[3]]),  # nulls first by default
    ("ORDER BY CapacityWeight ASC NULLS LAST", [W[0], W[1], W[3], W[2]]),
    ("ORDER BY CapacityWeight DESC", [W[2], W[3], W[1], W[0]]),  # still nulls first
    ("ORDER BY CapacityWeight DESC NULLS LAST", [W[3], W[1], W[0], W[2]]),
    ("ORDER BY Status, Name DESC", [W[0], W[2], W[3], W[1]]),
    ("ORDER BY User.Name DESC NULLS LAST, Name", [W[1], W[0], W[3], W[2]]),  # case-insensitive: bob > Ada
    ("ORDER BY RequestDateTime DESC NULLS LAST", [W[3], W[1], W[0], W[2]]),
    ("ORDER BY Name LIMIT 2", [W[0], W[1]]),
    ("ORDER BY Name LIMIT 2 OFFSET 1", [W[1], W[2]]),
    ("ORDER BY Name OFFSET 3", [W[3]]),
    ("ORDER BY Name LIMIT 0", []),
]


@pytest.mark.parametrize(("clause", "expected"), ORDERS, ids=[c for c, _ in ORDERS])
def test_order_by_limit_and_offset(clause, expected):
    assert ids(f"SELECT Id FROM AgentWork {clause}") == expected


def test_group_is_an_object_name_as_well_as_a_keyword():
    assert ids("SELECT Id FROM Group WHERE Type = 'Queue'") == [Q1]
    rows = execute(parse("SELECT Group.DeveloperName FROM Group"), SRC)  # qualified with its own name
    assert rows[0]["DeveloperName"] == "Chat_Queue_1"
    assert err("SELECT Id FROM Group GROUP BY Type").detail == "unexpected token: 'GROUP'"


def test_fields_function_expands_to_the_objects_fields():
    rows = execute(parse("SELECT FIELDS(ALL) FROM ServiceChannel LIMIT 200"), SRC)
    assert list(rows[0]) == ["attributes", "Id", "DeveloperName", "MasterLabel"]
    assert execute(parse("SELECT FIELDS(STANDARD) FROM ServiceChannel"), SRC) == rows
    assert list(execute(parse("SELECT FIELDS(CUSTOM) FROM ServiceChannel LIMIT 1"), SRC)[0]) == ["attributes"]
    e = err("SELECT FIELDS(ALL) FROM ServiceChannel")
    assert (e.error_code, e.detail) == ("MALFORMED_QUERY", "The SOQL FIELDS function must have a LIMIT of at most 200")
    assert err("SELECT FIELDS(ALL), Id FROM ServiceChannel LIMIT 5").detail == "duplicate field selected: Id"
    assert err("SELECT FIELDS(EVERYTHING) FROM ServiceChannel").detail == "unexpected token: 'EVERYTHING'"


def test_fields_function_needs_a_source_that_lists_fields():
    class Plain(Source):
        field_names = None

    e = err("SELECT FIELDS(STANDARD) FROM ServiceChannel", Plain())
    assert (e.error_code, e.column) == ("MALFORMED_QUERY", 8)


def test_count_queries():
    q = parse("SELECT COUNT() FROM AgentWork WHERE Status = 'Closed'")
    assert q.is_count
    assert execute(q, SRC) == []
    assert soql.count(q, SRC) == 1
    assert soql.count(q, SRC, include_deleted=True) == 2
    agg = execute(parse("SELECT COUNT(Id), COUNT(UserId) users FROM AgentWork"), SRC)
    assert agg == [{"attributes": {"type": "AggregateResult"}, "expr0": 4, "users": 3}]


def test_matches_applies_only_the_where_clause():
    q = parse("SELECT Id, Status FROM AgentWork WHERE Status = 'Opened' AND User.Email LIKE 'bob%'")
    by_id = {r["Id"]: r for r in _records()["AgentWork"]}
    assert matches(q, by_id[W[1]], SRC)
    assert not matches(q, by_id[W[0]], SRC)
    assert matches(parse("SELECT Id FROM AgentWork"), by_id[W[0]], SRC)


# -- errors, exactly as the platform words them ------------------------------------------------------------

def test_unknown_column_echoes_the_query_with_a_caret():
    e = err("SELECT Asdf FROM AgentWork")
    assert e.error_code == "INVALID_FIELD"
    assert e.message == (
        "\nSELECT Asdf FROM AgentWork\n       ^\nERROR at Row:1:Column:8\n"
        "No such column 'Asdf' on entity 'AgentWork'. If you are attempting to use a custom field, be sure to "
        "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
        "appropriate names.")


def test_unknown_object_is_invalid_type():
    e = err("SELECT Id, Name FROM Nope__c")
    assert e.error_code == "INVALID_TYPE"
    assert e.message.startswith("\nSELECT Id, Name FROM Nope__c\n                     ^\nERROR at Row:1:Column:22\n")
    assert e.detail.startswith("sObject type 'Nope__c' is not supported.")


def test_long_queries_show_a_window_around_the_error():
    text = ("SELECT Id, Name, Status, CapacityWeight, RequestDateTime, ActivityDate, UserId, Bogus, "
            "ServiceChannelId, OwnerId FROM AgentWork")
    e = err(text)
    _, window, caret, where, _detail = e.message.split("\n", 4)
    assert where == f"ERROR at Row:1:Column:{text.index('Bogus') + 1}"
    assert window[len(caret) - 1:].startswith("Bogus")
    assert len(window) < len(text)
    assert not window.startswith(" ") and window in text


def test_unknown_relationship():
    e = err("SELECT Id, Foo.Name FROM AgentWork")
    assert e.error_code == "INVALID_FIELD"
    assert e.detail.startswith("Didn't understand relationship 'Foo' in field path.")
    assert e.column == 12


def test_field_of_polymorphic_parent_outside_the_name_object():
    e = err("SELECT Owner.DeveloperName FROM AgentWork")
    assert e.error_code == "INVALID_FIELD"
    assert "No such column 'DeveloperName' on entity 'Name'" in e.detail


SYNTAX = [
    ("SELECT Id FROM AgentWork WHERE", "unexpected token: '<EOF>'", 31),
    ("SELECT FROM AgentWork", "unexpected token: 'FROM'", 8),
    ("SELECT Id, FROM AgentWork", "unexpected token: 'FROM'", 12),
    ("SELECT Id FROM AgentWork WHERE Status IN ()", "unexpected token: ')'", 43),
    ("SELECT Id FROM AgentWork WHERE Status = 'a' AND Name = 'b' OR Name = 'c'", "unexpected token: 'OR'", 60),
    ("SELECT Id FROM AgentWork WHERE Status = 'a' OR Name = 'b' AND Name = 'c'", "unexpected token: 'AND'", 59),
    ("SELECT Id FROM AgentWork LIMIT 'x'", "unexpected token: ''x''", 32),
    ("SELECT Id FROM AgentWork ORDER Name", "unexpected token: 'Name'", 32),
    ("SELECT Id FROM AgentWork WHERE Name LIKE NULL AND Id != null", None, None),
    ("q=SELECT Id FROM AgentWork", "unexpected token: 'q'", 1),
    ("SELECT Id FROM AgentWork GROUP BY Status", "unexpected token: 'GROUP'", 26),
    ("SELECT Id FROM AgentWork WHERE Name = 'abc", "line 1:42 mismatched character '<EOF>' expecting '''", 43),
    ("SELECT Id FROM $AgentWork", "line 1:15 unexpected token: '$'", 16),
    ("SELECT Id FROM AgentWork WHERE RequestDateTime > 2020-52-12T12:12:00-05:00",
     "Invalid datetime: 2020-52-12T12:12:00-05:00", 50),
    ("SELECT Id FROM AgentWork WHERE RequestDateTime > 2020-12-12T12:12:00-25:00",
     "Invalid datetime: 2020-12-12T12:12:00-25:00", 50),
    ("SELECT Id Name FROM AgentWork", "unexpected token: 'Name'", 11),
    ("SELECT Id FROM AgentWork WHERE Name = 'a\\q'", None, None),
]


@pytest.mark.parametrize(("text", "detail", "column"), SYNTAX, ids=[t for t, _, _ in SYNTAX])
def test_syntax_errors_are_malformed_query_with_position(text, detail, column):
    e = err(text)
    assert e.error_code == "MALFORMED_QUERY"
    if detail is not None:
        assert e.detail == detail
        assert e.message.endswith(f"ERROR at Row:1:Column:{column}\n{detail}")


def test_errors_point_at_the_right_row_of_a_multi_line_query():
    e = err("SELECT Id\nFROM AgentWork\nWHERE Nope__c = 1")
    assert (e.row, e.column) == (3, 7)
    assert e.message.startswith("\nWHERE Nope__c = 1\n      ^\nERROR at Row:3:Column:7\n")


FILTER_ERRORS = [
    ("Id = 'ZZZ'", "invalid ID field: ZZZ"),
    ("UserId IN ('005', 'x')", "invalid ID field: 005"),
    ("IsDeleted = 'true'", "value of filter criterion for field 'IsDeleted' must be of type boolean and should "
                           "not be enclosed in quotes"),
    ("Status = 5", "value of filter criterion for field 'Status' must be of type string and should be enclosed "
                   "in quotes"),
    ("CapacityWeight = '5'", "value of filter criterion for field 'CapacityWeight' must be of type double and "
                             "should not be enclosed in quotes"),
    ("RequestDateTime > '2024-01-01'", "value of filter criterion for field 'RequestDateTime' must be of type "
                                       "dateTime and should not be enclosed in quotes"),
    ("ActivityDate > 2024-01-01T00:00:00Z", "value of filter criterion for field 'ActivityDate' must be of type "
                                            "date and should not be enclosed in quotes"),
    ("CapacityWeight LIKE '5%'", "invalid operator on double field"),
]


@pytest.mark.parametrize(("where", "detail"), FILTER_ERRORS, ids=[w for w, _ in FILTER_ERRORS])
def test_filter_values_must_fit_the_field_type(where, detail):
    text = f"SELECT Id FROM AgentWork WHERE {where}"
    e = err(text)
    assert e.error_code == SOQL.filter_error_code
    assert e.detail == detail
    assert e.column == text.index(where) + 1  # the caret points at the field


def test_offset_above_2000_is_refused():
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id FROM AgentWork OFFSET 2001")
    assert info.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert info.value.message == "Maximum SOQL offset allowed is 2000"


def test_duplicate_and_ungrouped_fields():
    assert err("SELECT Id, id FROM AgentWork").detail == "duplicate field selected: id"
    assert err("SELECT COUNT(Id), Status FROM AgentWork").detail == "Field must be grouped or aggregated: Status"


def test_a_refused_query_is_the_rest_error_array():
    e = query_refused(err("SELECT Nope FROM AgentWork"))
    assert isinstance(e, SalesforceError)
    assert e.status == 400
    body = e.body()
    assert body[0]["errorCode"] == "INVALID_FIELD" and body[0]["message"].startswith("\nSELECT Nope FROM AgentWork\n")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_query_is_malformed(text):
    with pytest.raises(SoqlError) as info:
        parse(text)  # type: ignore[arg-type]
    assert info.value.error_code == "MALFORMED_QUERY"


# -- property: the engine agrees with a direct evaluation on random filters --------------------------------

_FIELDS = {"Status": ["Assigned", "Opened", "Closed", "Declined", "opened"], "CapacityWeight": [1, 2, 5, 1.5],
           "Name": ["00000001", "00000003", "0000000%", "%3", "0_00%"]}


def _random_condition(rng: random.Random, depth: int = 0):
    """A random WHERE clause as (SOQL text, python predicate over a record)."""
    if depth < 2 and rng.random() < 0.45:
        connective = rng.choice(["AND", "OR"])
        parts = [_random_condition(rng, depth + 1) for _ in range(rng.randint(2, 3))]
        text = f" {connective} ".join(f"({t})" for t, _ in parts)
        preds = [p for _, p in parts]
        if connective == "AND":
            return text, lambda r, ps=preds: all(p(r) for p in ps)
        return text, lambda r, ps=preds: any(p(r) for p in ps)
    if depth < 2 and rng.random() < 0.15:
        text, pred = _random_condition(rng, depth + 1)
        return f"NOT ({text})", lambda r, p=pred: not p(r)
    name = rng.choice(list(_FIELDS))
    value = rng.choice(_FIELDS[name])
    if name == "CapacityWeight":
        op = rng.choice(["=", "!=", "<", ">", "<=", ">=", "= null", "!= null"])
        if op.endswith("null"):
            return f"{name} {op}", (lambda r: r[name] is None) if op == "= null" else (lambda r: r[name] is not None)
        ops = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
               ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}
        fn = ops[op]
        if op == "!=":
            return f"{name} {op} {value}", lambda r: r[name] is None or fn(r[name], value)
        return f"{name} {op} {value}", lambda r: r[name] is not None and fn(r[name], value)
    if name == "Name" and rng.random() < 0.5:
        import fnmatch

        glob = value.replace("%", "*").replace("_", "?")
        return f"Name LIKE '{value}'", lambda r: fnmatch.fnmatchcase(r["Name"].lower(), glob.lower())
    if rng.random() < 0.3:
        values = rng.sample(_FIELDS[name], 2)
        literal = ", ".join(f"'{v}'" for v in values)
        lowered = {str(v).lower() for v in values}
        if rng.random() < 0.5:
            return f"{name} IN ({literal})", lambda r: str(r[name]).lower() in lowered
        return f"{name} NOT IN ({literal})", lambda r: str(r[name]).lower() not in lowered
    return f"{name} = '{value}'", lambda r: str(r[name]).lower() == str(value).lower()


def test_random_filters_agree_with_a_direct_evaluation():
    rng = random.Random(1234)
    live = [r for r in _records()["AgentWork"] if not r["IsDeleted"]]
    for _ in range(400):
        text, pred = _random_condition(rng)
        expected = [r["Id"] for r in live if pred(r)]
        assert ids(f"SELECT Id FROM AgentWork WHERE {text}") == expected, text
