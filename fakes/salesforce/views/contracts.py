"""Writes the org's JSON Schemas (contracts/salesforce/) from the sObject schema: `python -m omni_harness.fakes.salesforce.views.contracts`.

Records, describe, query, create and error bodies, console bridge calls, customer actions, journal events and
the sync settings file. A test compares the files on disk with this output, so the contracts cannot drift from
the objects the fake serves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..model.schema import (
    BOOLEAN,
    DATE,
    DATETIME,
    DOUBLE,
    ID,
    INT,
    MESSAGING_STATUSES,
    PERCENT,
    PICKLIST,
    REFERENCE,
    Field,
    SObjectType,
    build_schema,
)
from .console import TOOLKIT_METHODS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ROOT = Path(__file__).resolve().parents[3] / "contracts" / "salesforce"
ID18 = "^[a-zA-Z0-9]{15}[A-Z0-5]{3}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+0000$"
REF = "common.json#/$defs/"


def _doc(name: str, title: str, description: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT, "$id": f"salesforce/{name}.json", "title": title, "description": description, **body}


def _nullable(schema: dict[str, Any], nillable: bool) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]} if nillable else schema


def field_schema(f: Field) -> dict[str, Any]:
    if f.type in (ID, REFERENCE):
        base: dict[str, Any] = {"$ref": REF + "id18"}
    elif f.type == BOOLEAN:
        base = {"type": "boolean"}
    elif f.type == DATETIME:
        base = {"$ref": REF + "datetime"}
    elif f.type == DATE:
        base = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    elif f.type == INT:
        base = {"type": "integer"}
    elif f.type in (DOUBLE, PERCENT):
        base = {"type": "number"}
    elif f.type == PICKLIST and f.restricted_picklist:
        base = {"enum": list(f.picklist_values)}
    else:
        base = {"type": "string"}
    return _nullable(base, f.nillable)


def record_fields(otype: SObjectType) -> dict[str, Any]:
    return {name: field_schema(f) for name, f in otype.fields.items()}


def record_schema(otype: SObjectType) -> dict[str, Any]:
    return _doc(f"record-{otype.name}", f"{otype.name} record",
                f"GET /services/data/vXX.X/sobjects/{otype.name}/{{id}} (every field, or those of ?fields= plus Id).",
                {"type": "object", "required": ["attributes"],
                 "properties": {"attributes": {"$ref": REF + "attributes"}, **record_fields(otype)},
                 "additionalProperties": False})


def common() -> dict[str, Any]:
    return _doc("common", "Shared Salesforce definitions", "Ids, datetimes, record attributes.", {"$defs": {
        "id18": {"type": "string", "pattern": ID18},
        "id15or18": {"type": "string", "pattern": "^[a-zA-Z0-9]{15}([A-Z0-5]{3})?$"},
        "datetime": {"type": "string", "pattern": DATETIME_RE},
        "attributes": {"type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "minLength": 1},
            "url": {"type": "string", "pattern": "^/services/data/v[0-9]{2}\\.0/sobjects/[A-Za-z]+/[a-zA-Z0-9]{15,18}$"}},
            "additionalProperties": False},
        "nullableString": {"type": ["string", "null"]},
    }})


def error() -> dict[str, Any]:
    return _doc("error", "REST error array", "Every REST and console bridge refusal: a JSON array of errors.", {
        "type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["message", "errorCode"],
            "properties": {"message": {"type": "string", "minLength": 1},
                           "errorCode": {"type": "string", "pattern": "^[A-Z][A-Z_]+$"},
                           "fields": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": False}})


def create_result() -> dict[str, Any]:
    return _doc("create-result", "Create result", "201 answer of POST /services/data/vXX.X/sobjects/{Type}/.", {
        "type": "object", "required": ["id", "success", "errors"],
        "properties": {"id": {"$ref": REF + "id18"}, "success": {"const": True}, "errors": {"type": "array",
                                                                                           "maxItems": 0}},
        "additionalProperties": False})


def query_result(schema: dict[str, SObjectType]) -> dict[str, Any]:
    typed = []
    for otype in schema.values():
        typed.append({"if": {"properties": {"attributes": {"properties": {"type": {"const": otype.name}}}}},
                      "then": {"properties": record_fields(otype)}})
    return _doc("query-result", "Query result",
                "GET .../query?q= and .../queryAll?q= and query-more: a page of records (selected fields and "
                "parent relationship objects), nextRecordsUrl while not done.", {
                    "type": "object", "required": ["totalSize", "done", "records"],
                    "properties": {
                        "totalSize": {"type": "integer", "minimum": 0}, "done": {"type": "boolean"},
                        "nextRecordsUrl": {"type": "string",
                                           "pattern": "^/services/data/v[0-9]{2}\\.0/query/01g[a-zA-Z0-9]{15}-[0-9]+$"},
                        "records": {"type": "array", "items": {"$ref": "#/$defs/record"}}},
                    "additionalProperties": False,
                    "if": {"properties": {"done": {"const": False}}}, "then": {"required": ["nextRecordsUrl"]},
                    "else": {"not": {"required": ["nextRecordsUrl"]}},
                    "$defs": {"record": {"type": "object", "required": ["attributes"],
                                         "properties": {"attributes": {"$ref": REF + "attributes"}},
                                         "additionalProperties": {"anyOf": [
                                             {"type": ["string", "number", "boolean", "null"]},
                                             {"$ref": "#/$defs/record"}]},
                                         "allOf": typed}}})


def versions() -> dict[str, Any]:
    return _doc("versions", "API versions", "GET /services/data/ (no session needed).", {
        "type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["label", "url", "version"],
            "properties": {"label": {"type": "string", "pattern": "^(Winter|Spring|Summer) '[0-9]{2}$"},
                           "url": {"type": "string", "pattern": "^/services/data/v[0-9]{2}\\.0$"},
                           "version": {"type": "string", "pattern": "^[0-9]{2}\\.0$"}},
            "additionalProperties": False}})


def resources() -> dict[str, Any]:
    return _doc("resources", "Resources by version", "GET /services/data/vXX.X/: resource name -> URI.", {
        "type": "object", "required": ["sobjects", "query", "queryAll", "limits"],
        "additionalProperties": {"type": "string", "pattern": "^(/services/data/v[0-9]{2}\\.0/|https?://)"}})


def limits() -> dict[str, Any]:
    limit = {"type": "object", "required": ["Max", "Remaining"],
             "properties": {"Max": {"type": "integer"}, "Remaining": {"type": "integer"}}}
    return _doc("limits", "Org limits", "GET /services/data/vXX.X/limits.", {
        "type": "object", "required": ["DailyApiRequests"], "additionalProperties": limit})


def _global_entry() -> dict[str, Any]:
    booleans = ["activateable", "createable", "custom", "customSetting", "deepCloneable", "deletable",
                "deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface", "isSubtype", "layoutable",
                "mergeable", "mruEnabled", "queryable", "replicateable", "retrieveable", "searchable", "triggerable",
                "undeletable", "updateable"]
    props: dict[str, Any] = {name: {"type": "boolean"} for name in booleans}
    props.update({"keyPrefix": {"type": ["string", "null"], "pattern": "^[a-zA-Z0-9]{3}$"},
                  "label": {"type": "string"}, "labelPlural": {"type": "string"}, "name": {"type": "string"},
                  "urls": {"type": "object", "required": ["sobject", "describe", "rowTemplate"],
                           "additionalProperties": {"type": ["string", "null"]}}})
    return {"type": "object", "required": ["name", "label", "keyPrefix", "createable", "updateable", "deletable",
                                           "queryable", "urls"], "properties": props}


def describe_global() -> dict[str, Any]:
    return _doc("describe-global", "Global describe", "GET /services/data/vXX.X/sobjects.", {
        "type": "object", "required": ["encoding", "maxBatchSize", "sobjects"],
        "properties": {"encoding": {"const": "UTF-8"}, "maxBatchSize": {"type": "integer"},
                       "sobjects": {"type": "array", "items": _global_entry()}},
        "additionalProperties": False})


def sobject_info() -> dict[str, Any]:
    return _doc("sobject-info", "sObject basic information", "GET /services/data/vXX.X/sobjects/{Type}.", {
        "type": "object", "required": ["objectDescribe", "recentItems"],
        "properties": {"objectDescribe": _global_entry(),
                       "recentItems": {"type": "array", "items": {"type": "object", "required": ["attributes", "Id"]}}},
        "additionalProperties": False})


def describe_sobject() -> dict[str, Any]:
    picklist_value = {"type": "object", "required": ["active", "defaultValue", "label", "validFor", "value"],
                      "properties": {"active": {"type": "boolean"}, "defaultValue": {"type": "boolean"},
                                     "label": {"type": "string"}, "validFor": {"type": ["string", "null"]},
                                     "value": {"type": "string"}}, "additionalProperties": False}
    field = {"type": "object",
             "required": ["name", "label", "type", "soapType", "length", "nillable", "createable", "updateable",
                          "defaultedOnCreate", "referenceTo", "relationshipName", "picklistValues",
                          "restrictedPicklist", "unique", "idLookup", "autoNumber", "calculated", "custom"],
             "properties": {"name": {"type": "string"}, "label": {"type": "string"},
                            "type": {"enum": ["id", "string", "reference", "picklist", "boolean", "datetime", "date",
                                              "int", "double", "percent", "textarea", "email", "phone", "url"]},
                            "length": {"type": "integer"}, "referenceTo": {"type": "array", "items": {"type": "string"}},
                            "relationshipName": {"type": ["string", "null"]},
                            "picklistValues": {"type": "array", "items": picklist_value},
                            "nillable": {"type": "boolean"}, "createable": {"type": "boolean"},
                            "updateable": {"type": "boolean"}, "restrictedPicklist": {"type": "boolean"}}}
    body = _global_entry()
    body["required"] = body["required"] + ["fields", "childRelationships", "recordTypeInfos"]
    body["properties"] = {**body["properties"], "fields": {"type": "array", "minItems": 1, "items": field},
                          "childRelationships": {"type": "array", "items": {
                              "type": "object", "required": ["childSObject", "field"]}},
                          "recordTypeInfos": {"type": "array"}}
    return _doc("describe-sobject", "sObject describe", "GET /services/data/vXX.X/sobjects/{Type}/describe.", body)


# -- console bridge ------------------------------------------------------------------------------------

_STATUS = {"statusId": {"$ref": REF + "id18"}, "statusName": {"type": "string"}, "statusApiName": {"type": "string"}}
_CHANNELS_JSON = {"type": "string", "description": "JSON text of [{channelId, developerName}]",
                  "contentMediaType": "application/json"}
_ID_ARG = {"$ref": REF + "id15or18"}

CONSOLE_REQUESTS: dict[str, dict[str, Any]] = {
    "setServicePresenceStatus": {"required": ["statusId"], "properties": {"statusId": _ID_ARG}},
    "login": {"required": ["statusId"], "properties": {"statusId": _ID_ARG}},
    "logout": {"properties": {}},
    "getServicePresenceStatusId": {"properties": {}},
    "getServicePresenceStatusChannels": {"properties": {}},
    "acceptAgentWork": {"required": ["workId"], "properties": {"workId": _ID_ARG}},
    "declineAgentWork": {"required": ["workId"], "properties": {"workId": _ID_ARG,
                                                                 "declineReason": {"type": "string"}}},
    "closeAgentWork": {"required": ["workId"], "properties": {"workId": _ID_ARG}},
    "getAgentWorks": {"properties": {}},
    "getAgentWorkload": {"properties": {}},
    "endChat": {"required": ["workItemId"], "properties": {"workItemId": _ID_ARG}},
    "closeTab": {"required": ["workId"], "properties": {"workId": _ID_ARG}},
    "transferChat": {"required": ["workItemId"], "properties": {
        "workItemId": _ID_ARG, "toUserId": _ID_ARG, "toQueue": {"type": "string", "minLength": 1}},
        "oneOf": [{"required": ["toUserId"]}, {"required": ["toQueue"]}]},
    "sendMessage": {"required": ["workItemId", "text"], "properties": {"workItemId": _ID_ARG,
                                                                       "text": {"type": "string", "minLength": 1}}},
}

CONSOLE_ANSWERS: dict[str, dict[str, Any]] = {
    "setServicePresenceStatus": {"type": "object", "required": ["statusId", "statusName", "statusApiName", "channels"],
                                 "properties": {**_STATUS, "channels": _CHANNELS_JSON}, "additionalProperties": False},
    "login": {"const": True},
    "logout": {"const": True},
    "getServicePresenceStatusId": {"type": "object", "required": ["statusId", "statusName", "statusApiName"],
                                   "properties": _STATUS, "additionalProperties": False},
    "getServicePresenceStatusChannels": {"type": "object", "required": ["channels"],
                                         "properties": {"channels": _CHANNELS_JSON}, "additionalProperties": False},
    "acceptAgentWork": {"const": True},
    "declineAgentWork": {"const": True},
    "closeAgentWork": {"const": True},
    "getAgentWorks": {"type": "object", "required": ["works"],
                      "properties": {"works": {"type": "string", "contentMediaType": "application/json",
                                               "description": "JSON text of [{workId, workItemId, isEngaged}]"}},
                      "additionalProperties": False},
    "getAgentWorkload": {"type": "object", "required": ["configuredCapacity", "currentWorkload"],
                         "properties": {"configuredCapacity": {"type": "number"}, "currentWorkload": {"type": "number"},
                                        "configuredInterruptibleCapacity": {"type": "number"},
                                        "currentInterruptibleWorkload": {"type": "number"}},
                         "additionalProperties": False},
    "endChat": {"const": True},
    "closeTab": {"const": True},
    "transferChat": {"type": "object", "required": ["workItemId"], "additionalProperties": False,
                     "properties": {"workItemId": {"$ref": REF + "id18"}, "workId": {"$ref": REF + "id18"},
                                    "pendingServiceRoutingId": {"$ref": REF + "id18"}},
                     "oneOf": [{"required": ["workId"]}, {"required": ["pendingServiceRoutingId"]}]},
    "sendMessage": {"const": True},
}

# The JSON text inside getAgentWorks' `works` and the channels strings.
AGENT_WORKS_ITEMS = {"type": "array", "items": {
    "type": "object", "required": ["workId", "workItemId", "isEngaged"],
    "properties": {"workId": {"$ref": REF + "id18"}, "workItemId": {"$ref": REF + "id18"},
                   "isEngaged": {"type": "boolean"}}, "additionalProperties": False}}
CHANNEL_ITEMS = {"type": "array", "items": {
    "type": "object", "required": ["channelId", "developerName"],
    "properties": {"channelId": {"$ref": REF + "id18"}, "developerName": {"type": "string"}},
    "additionalProperties": False}}


def console_schemas() -> dict[str, dict[str, Any]]:
    out = {}
    for method in TOOLKIT_METHODS:
        request = {"type": "object", "additionalProperties": False, **CONSOLE_REQUESTS[method]}
        out[f"console-{method}-request"] = _doc(
            f"console-{method}-request", f"Console bridge {method} request",
            f"POST /omni-toolkit/v1/users/{{userId}}/{method}: the toolkit method's argument object.", request)
        out[f"console-{method}-answer"] = _doc(
            f"console-{method}-answer", f"Console bridge {method} answer",
            f"200 answer of {method}: the value the toolkit's promise resolves to.", CONSOLE_ANSWERS[method])
    out["console-agent-works"] = _doc("console-agent-works", "getAgentWorks works",
                                      "The parsed JSON text of getAgentWorks' works.", AGENT_WORKS_ITEMS)
    out["console-channels"] = _doc("console-channels", "Presence status channels",
                                   "The parsed JSON text of a channels string.", CHANNEL_ITEMS)
    return out


# -- control API: customers, errors, sync settings ----------------------------------------------------

def control_schemas() -> dict[str, dict[str, Any]]:
    string = {"type": "string", "minLength": 1}
    id18 = {"$ref": REF + "id18"}
    session_id = {"allOf": [id18, {"type": "string", "pattern": "^0Mw"}]}
    medium = {"enum": ["chat", "messaging"]}
    channel = {"enum": ["sfdc_livechat", "sfdc_livemessage"]}
    lines = {"type": "array", "items": {
        "type": "object", "required": ["from", "text", "at", "userId"],
        "properties": {"from": {"enum": ["customer", "agent"]}, "text": {"type": "string"},
                       "at": {"$ref": REF + "datetime"}, "userId": {"anyOf": [id18, {"type": "null"}]}},
        "additionalProperties": False}}
    return {
        "control-error": _doc("control-error", "Control API error", "Refusal of a /_fake/ route.", {
            "type": "object", "required": ["error", "message"],
            "properties": {"error": string, "message": {"type": "string"}}, "additionalProperties": False}),
        "customer-chat-request": _doc("customer-chat-request", "Open a customer chat",
                                      "POST /_fake/customers/chats; queue = developer name, name or id.", {
                                          "type": "object", "required": ["queue"], "additionalProperties": False,
                                          "properties": {"queue": string, "customerName": string, "text": string}}),
        "customer-chat-created": _doc("customer-chat-created", "Customer chat opened",
                                      "201 answer of POST /_fake/customers/chats.", {
                                          "type": "object", "required": ["workItemId", "pendingServiceRoutingId"],
                                          "properties": {"workItemId": id18, "pendingServiceRoutingId": id18},
                                          "additionalProperties": False}),
        "customer-message-request": _doc("customer-message-request", "Customer message",
                                         "POST /_fake/customers/chats/{id}/messages.", {
                                             "type": "object", "required": ["text"], "additionalProperties": False,
                                             "properties": {"text": string}}),
        "customer-message-answer": _doc("customer-message-answer", "Customer message sent",
                                        "201 answer of POST /_fake/customers/chats/{id}/messages.", {
                                            "type": "object", "required": ["workItemId", "messages"],
                                            "properties": {"workItemId": id18,
                                                           "messages": {"type": "integer", "minimum": 1}},
                                            "additionalProperties": False}),
        "customer-leave-answer": _doc("customer-leave-answer", "Customer left",
                                      "200 answer of POST /_fake/customers/chats/{id}/leave: the chat's status.", {
                                          "type": "object", "required": ["workItemId", "status"],
                                          "properties": {"workItemId": id18, "status": {"enum": ["Completed", "Missed"]}},
                                          "additionalProperties": False}),
        "customer-messaging-request": _doc(
            "customer-messaging-request", "Open an Enhanced Chat messaging session",
            "POST /_fake/customers/messaging; queue = developer name, name or id.", {
                "type": "object", "required": ["queue"], "additionalProperties": False,
                "properties": {"queue": string, "customerName": string, "text": string}}),
        "customer-messaging-created": _doc(
            "customer-messaging-created", "Messaging session opened",
            "201 answer of POST /_fake/customers/messaging: the MessagingSession (Waiting), its routing request and "
            "the new MessagingEndUser.", {
                "type": "object", "required": ["workItemId", "pendingServiceRoutingId", "messagingEndUserId"],
                "properties": {"workItemId": session_id, "pendingServiceRoutingId": id18, "messagingEndUserId": id18},
                "additionalProperties": False}),
        "customer-messaging-leave-answer": _doc(
            "customer-messaging-leave-answer", "End user left",
            "200 answer of POST /_fake/customers/messaging/{id}/leave: the session's status.", {
                "type": "object", "required": ["workItemId", "status"],
                "properties": {"workItemId": session_id, "status": {"enum": ["Ended"]}},
                "additionalProperties": False}),
        "customer-messaging-return-request": _doc(
            "customer-messaging-return-request", "End user comes back",
            "POST /_fake/customers/messaging/{id}/return, once that session has ended.", {
                "type": "object", "additionalProperties": False, "properties": {"text": string}}),
        "customer-messaging-returned": _doc(
            "customer-messaging-returned", "End user came back",
            "201 answer of POST /_fake/customers/messaging/{id}/return: a new session of the same end user and "
            "conversation, waiting in the same queue.", {
                "type": "object",
                "required": ["workItemId", "pendingServiceRoutingId", "messagingEndUserId", "previousWorkItemId"],
                "properties": {"workItemId": session_id, "pendingServiceRoutingId": id18,
                               "messagingEndUserId": id18, "previousWorkItemId": session_id},
                "additionalProperties": False}),
        "customer-messaging": _doc("customer-messaging", "A customer's messaging session",
                                   "GET /_fake/customers/messaging/{id}.", {
            "type": "object", "required": ["workItemId", "status", "messagingEndUserId", "customerName", "messages"],
            "properties": {"workItemId": session_id, "status": {"enum": list(MESSAGING_STATUSES)},
                           "messagingEndUserId": id18, "customerName": {"type": ["string", "null"]},
                           "messages": lines},
            "additionalProperties": False}),
        "customer-chat": _doc("customer-chat", "A customer chat", "GET /_fake/customers/chats/{id}.", {
            "type": "object", "required": ["workItemId", "status", "customerName", "messages"],
            "properties": {"workItemId": id18, "status": string, "customerName": {"type": ["string", "null"]},
                           "messages": lines},
            "additionalProperties": False}),
        "sync-settings": _doc(
            "sync-settings", "Omni-Channel sync settings",
            "The file OMNI_SYNC_SETTINGS names (DESIGN §4.3, §4.7): one medium with its service channel, or both "
            "media (a list, no top-level service channel); a queue entry without a medium takes the file's.", {
                "type": "object", "required": ["media", "presence", "queues"],
                "properties": {
                    "media": {"anyOf": [medium, {"type": "array", "items": medium, "minItems": 1,
                                                 "uniqueItems": True}]},
                    "serviceChannel": channel,
                    "presence": {"type": "object", "propertyNames": {"pattern": "^[A-Z_]+$"},
                                 "additionalProperties": {"type": ["string", "null"]}},
                    "queues": {"type": "array", "items": {
                        "type": "object", "required": ["salesforce", "genesys"],
                        "properties": {"salesforce": string, "genesys": string, "media": medium,
                                       "serviceChannel": channel, "openMessagingIntegration": string},
                        "additionalProperties": False}}},
                "if": {"properties": {"media": {"type": "string"}}},
                "then": {"required": ["serviceChannel"]},
                "else": {"not": {"required": ["serviceChannel"]}},
                "additionalProperties": False}),
    }


# -- journal events ------------------------------------------------------------------------------------

def event_schemas(schema: dict[str, SObjectType]) -> dict[str, dict[str, Any]]:
    id18 = {"$ref": REF + "id18"}
    typed = []
    for otype in schema.values():
        typed.append({"if": {"properties": {"entity": {"const": otype.name}}},
                      "then": {"properties": {"record": {
                          "type": "object", "required": list(otype.fields),
                          "properties": record_fields(otype), "additionalProperties": False}}}})
    return {
        "event-sobject-change": _doc("event-sobject-change", "sobject.change event",
                                     "Journal event data of every record change (source salesforce).", {
                                         "type": "object",
                                         "required": ["entity", "changeType", "recordId", "record", "changedFields",
                                                      "commitUser", "transactionKey", "changeOrigin"],
                                         "properties": {
                                             "entity": {"enum": list(schema)},
                                             "changeType": {"enum": ["CREATE", "UPDATE", "DELETE", "UNDELETE"]},
                                             "recordId": id18, "record": {"type": "object"},
                                             "changedFields": {"type": "array", "items": {"type": "string"},
                                                               "uniqueItems": True},
                                             "commitUser": {"type": "string", "pattern": "^005[a-zA-Z0-9]{15}$"},
                                             "transactionKey": {"type": "string", "minLength": 1},
                                             "changeOrigin": {"type": "string", "pattern":
                                                              "^(|com/salesforce/api/rest/[0-9]+\\.0;client=.*)$"}},
                                         "additionalProperties": False, "allOf": typed}),
        "event-console-tab": _doc("event-console-tab", "console.tab event", "An agent's console tab opened or closed.", {
            "type": "object", "required": ["userId", "workId", "workItemId", "action"],
            "properties": {"userId": id18, "workId": id18, "workItemId": id18, "action": {"enum": ["opened", "closed"]}},
            "additionalProperties": False}),
        "event-console-presence": _doc("event-console-presence", "console.presence event",
                                       "The agent's Omni-Channel status as the toolkit sees it (null = logged out).", {
                                           "type": "object", "required": ["userId", "statusId", "statusDeveloperName"],
                                           "properties": {"userId": id18,
                                                          "statusId": {"anyOf": [id18, {"type": "null"}]},
                                                          "statusDeveloperName": {"type": ["string", "null"]}},
                                           "additionalProperties": False}),
        "event-chat-message": _doc("event-chat-message", "chat.message event", "A chat message from either side.", {
            "type": "object", "required": ["workItemId", "from", "text"],
            "properties": {"workItemId": id18, "from": {"enum": ["customer", "agent"]}, "userId": id18,
                           "text": {"type": "string"}},
            "additionalProperties": False}),
    }


def build_contracts() -> dict[str, dict[str, Any]]:
    schema = build_schema()
    out: dict[str, dict[str, Any]] = {
        "common": common(), "error": error(), "create-result": create_result(), "query-result": query_result(schema),
        "versions": versions(), "resources": resources(), "limits": limits(), "describe-global": describe_global(),
        "describe-sobject": describe_sobject(), "sobject-info": sobject_info(),
    }
    for otype in schema.values():
        out[f"record-{otype.name}"] = record_schema(otype)
    out.update(console_schemas())
    out.update(control_schemas())
    out.update(event_schemas(schema))
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    target = Path(argv[0]) if argv else ROOT
    target.mkdir(parents=True, exist_ok=True)
    for name, schema in build_contracts().items():
        (target / f"{name}.json").write_text(render(schema))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
