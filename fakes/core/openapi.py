"""The OpenAPI 3.1 document a fake serves at `/_fake/openapi.json`: every rule of its app, public API and control API.

Built from the app's url_map (so no route is left out and none invented), the route specs the route modules declare
(request, response and error schema names in `contracts/<platform>`), and the control API's own bodies below. The
contracts are JSON Schema 2020-12, which OpenAPI 3.1 takes as is: they are copied under `components/schemas` with
their `$ref`s rewritten to point there.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from omni_harness import contracts

from .routes import RouteSpec

OPENAPI_VERSION = "3.1.0"
CONTROL_PREFIX = "/_fake"
ROUTE_SPECS = "route_specs"  # app.extensions key: endpoint -> RouteSpec (omni_harness.fakes.core.routes.RouteTable.register)
REF_ROOT = "#/components/schemas/"


@dataclass(frozen=True)
class Operation:
    """What the document says of one operation that has no contract of its own (the control API)."""

    request: dict[str, Any] | None = None  # JSON Schema of the body, None = no body
    response: dict[str, Any] | None = None  # JSON Schema of the answer, None = no body
    status: int = 200
    query: dict[str, dict[str, Any]] = field(default_factory=dict)  # parameter name -> schema
    summary: str = ""


_OBJECT: dict[str, Any] = {"type": "object"}
_SEQ = {"type": "integer", "minimum": 0}
_ENTRY = {"type": "object", "required": ["seq", "time", "kind", "source", "type", "correlationId", "data"],
          "properties": {"seq": _SEQ, "time": {"type": "string"}, "kind": {"enum": ["request", "event"]},
                         "source": {"type": "string"}, "type": {"type": "string"},
                         "correlationId": {"type": "string"}, "data": _OBJECT}}
_CLOCK = {"type": "object", "properties": {"now": {"type": "string"}, "frozen": {"type": "boolean"}}}
_FAULT = {"type": "object", "properties": {"id": {"type": "string"}, "action": {"type": "string"},
                                           "method": {"type": "string"}, "path": {"type": "string"},
                                           "status": {"type": "integer"}}}
_PLAN = {"type": "object", "properties": {"seed": {"type": "integer"}, "agents": {"type": "integer"}}}
# `/_fake/*` bodies (omni_harness.fakes.core.control); their errors are a plain `{"error", "message"}` object.
CONTROL_ERROR = {"type": "object", "required": ["error", "message"],
                 "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
CONTROL: dict[str, Operation] = {
    "health": Operation(response={"type": "object", "required": ["status", "fake"],
                                  "properties": {"status": {"const": "ok"}, "fake": {"type": "string"},
                                                 "seed": {"type": "integer"}, "agents": {"type": "integer"},
                                                 "lastSeq": _SEQ}}, summary="the fake answers"),
    "reset": Operation(response={"type": "object", "required": ["status"],
                                 "properties": {"status": {"const": "reset"}, "seed": {"type": "integer"},
                                                "lastSeq": _SEQ}}, summary="the seeded org again"),
    "seed": Operation(request={"type": "object", "properties": {
        "seed": {"type": ["integer", "null"], "minimum": 0}, "agents": {"type": ["integer", "null"], "minimum": 1},
        "queues": {"type": ["integer", "null"], "minimum": 1}}}, response=_PLAN, summary="a new seed plan"),
    "state": Operation(response={"type": "object", "required": ["fake", "clock", "plan", "org"],
                                 "properties": {"fake": {"type": "string"}, "clock": _CLOCK, "plan": _PLAN,
                                                "org": _OBJECT}}, summary="the whole org"),
    "journal": Operation(response={"type": "object", "required": ["entries", "lastSeq"],
                                   "properties": {"entries": {"type": "array", "items": _ENTRY}, "lastSeq": _SEQ}},
                         query={"since": _SEQ, "limit": _SEQ, "kind": {"enum": ["request", "event"]},
                                "source": {"type": "string"}}, summary="journal entries after a sequence number"),
    "events": Operation(response={"type": "object", "required": ["events", "after", "lastSeq", "journalSeq"],
                                  "properties": {"events": {"type": "array", "items": _ENTRY}, "after": _SEQ,
                                                 "lastSeq": _SEQ, "journalSeq": _SEQ}},
                        query={"after": _SEQ, "wait": {"type": "number", "minimum": 0, "maximum": 30},
                               "limit": _SEQ, "source": {"type": "string"},
                               "kind": {"enum": ["event", "request", "all"]}},
                        summary="long-poll the event feed"),
    "clock": Operation(response=_CLOCK, summary="the virtual clock"),
    "clock_advance": Operation(request={"type": "object", "required": ["seconds"],
                                        "properties": {"seconds": {"type": "number", "minimum": 0}}},
                               response=_CLOCK, summary="move the virtual clock on, firing due timers"),
    "clock_freeze": Operation(response=_CLOCK),
    "clock_unfreeze": Operation(response=_CLOCK),
    "faults_list": Operation(response={"type": "object", "required": ["faults"],
                                       "properties": {"faults": {"type": "array", "items": _FAULT}}}),
    "faults_add": Operation(request={"anyOf": [_FAULT, {"type": "array", "items": _FAULT}]},
                            response={"type": "object", "required": ["faults"],
                                      "properties": {"faults": {"type": "array", "items": _FAULT}}}, status=201,
                            summary="add fault rules"),
    "faults_clear": Operation(response={"type": "object", "properties": {"removed": {"type": "integer"}}}),
    "faults_remove": Operation(response={"type": "object", "properties": {"removed": {"type": "integer"}}}),
    "tokens": Operation(request={"type": "object", "properties": {"email": {"type": "string"},
                                                                  "userId": {"type": "string"},
                                                                  "username": {"type": "string"}}},
                        response=_OBJECT, summary="an agent's own token"),
    "openapi": Operation(response={"type": "object", "required": ["openapi", "paths"]},
                         summary="this document"),
    # the Genesys fake's own control routes (omni_harness.fakes.genesys.routes.control)
    "create": Operation(request={"type": "object", "properties": {
        "mediaType": {"enum": ["chat", "message"]}, "queueId": {"type": "string"},
        "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
        "customerName": {"type": "string"}, "provider": {"type": "string"}}}, response=_OBJECT,
        summary="raise an interaction in a queue, as an inbound flow would"),
    "set_flow": Operation(request={"type": "object", "properties": {"queueId": {"type": ["string", "null"]}}},
                          response=_OBJECT, summary="the stand-in for an Open Messaging inbound flow"),
}
# The answer of `POST /_fake/tokens`, per platform: the platform's own token response.
TOKEN_RESPONSE = {"genesys": "oauth-token", "salesforce": "oauth-token-response"}


@dataclass(frozen=True)
class Platform:
    """What differs between the two fakes' documents."""

    name: str  # contracts/<name>
    title: str
    error: str  # the platform's error body
    # operations that take no bearer credential: (method, rule)
    public: frozenset[tuple[str, str]]
    # requests and answers that are not JSON: (method, rule) -> media type
    request_media: Mapping[tuple[str, str], str]
    response_media: Mapping[tuple[str, str], str]
    # a route's own error schema by status, when it is not `error` (e.g. the OAuth token endpoint)
    errors: Mapping[tuple[str, str], Mapping[str, str]]
    security: dict[str, Any]  # securitySchemes
    bearer: str  # the scheme public operations use


GENESYS = Platform(
    "genesys", "Genesys Cloud Platform API (fake)", "error",
    public=frozenset({("POST", "/oauth/token")}),
    request_media={("POST", "/oauth/token"): "application/x-www-form-urlencoded"},
    response_media={},
    errors={("POST", "/oauth/token"): {"400": "oauth-error", "401": "oauth-error"}},
    security={"oauth": {"type": "oauth2", "description": "client credentials grant; an agent's user token also works",
                        "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}}},
              "basic": {"type": "http", "scheme": "basic", "description": "client id and secret, at /oauth/token"}},
    bearer="oauth",
)
SALESFORCE = Platform(
    "salesforce", "Salesforce REST, Omni-Channel and Streaming APIs (fake)", "error",
    public=frozenset({("POST", "/services/oauth2/token"), ("GET", "/services/oauth2/revoke"),
                      ("POST", "/services/oauth2/revoke"), ("POST", "/services/Soap/u/<version>"),
                      ("GET", "/services/data"), ("GET", "/services/data/")}),
    request_media={("POST", "/services/oauth2/token"): "application/x-www-form-urlencoded",
                   ("POST", "/services/oauth2/revoke"): "application/x-www-form-urlencoded",
                   ("POST", "/services/Soap/u/<version>"): "text/xml"},
    response_media={("POST", "/services/Soap/u/<version>"): "text/xml"},
    errors={("GET", "/services/oauth2/revoke"): {"default": "oauth-token-error"},
            ("POST", "/services/oauth2/revoke"): {"default": "oauth-token-error"}},
    security={"session": {"type": "http", "scheme": "bearer",
                          "description": "an OAuth access token or session id (`Bearer x` or `OAuth x`)"}},
    bearer="session",
)
PLATFORMS = {"genesys": GENESYS, "salesforce": SALESFORCE}

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_SCHEMA_KEYS_DROPPED = ("$schema", "$id")


def openapi_path(rule: str) -> str:
    """`/users/<user_id>` -> `/users/{user_id}` (a `<path:x>` converter is one parameter too)."""
    return _PARAM.sub(lambda m: "{" + m[2] + "}", rule)


def _rewrite_refs(node: Any, name: str) -> Any:
    """A contract with every `$ref` pointing into `components/schemas` (`common.json#/$defs/id` ->
    `#/components/schemas/common/$defs/id`; `#/$defs/x` -> the schema's own entry)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _SCHEMA_KEYS_DROPPED:
                continue
            if key == "$ref" and isinstance(value, str):
                target, _, pointer = value.partition("#")
                stem = target.rsplit("/", 1)[-1].removesuffix(".json") if target else name
                out[key] = REF_ROOT + stem + pointer
            else:
                out[key] = _rewrite_refs(value, name)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, name) for item in node]
    return node


def _variants(name: str | None, platform: str) -> list[str]:
    """The contracts a schema name stands for: itself, or for `record-{sobject}` every `record-*` contract."""
    if name is None:
        return []
    if "{" not in name:
        return [name]
    pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "(.+)", re.escape(name)) + "$", re.IGNORECASE)
    return [n for n in contracts.names(platform) if pattern.match(n)]


class _Builder:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.schemas: dict[str, Any] = {}

    def contract(self, name: str) -> dict[str, Any]:
        """A `$ref` to contract `name`, copying it (and what it refers to) into components."""
        canonical = next((n for n in contracts.names(self.platform.name) if n.lower() == name.lower()), None)
        if canonical is None:
            raise KeyError(f"no contract {self.platform.name}/{name}.json")
        if canonical not in self.schemas:
            self.schemas[canonical] = {}  # reserve first: contracts refer to one another
            schema = _rewrite_refs(copy.deepcopy(contracts.load(self.platform.name, canonical)), canonical)
            self.schemas[canonical] = schema
            for target in re.findall(r'"\$ref": "#/components/schemas/([^/"#]+)', _dumps(schema)):
                if target != canonical:
                    self.contract(target)
        return {"$ref": REF_ROOT + canonical}

    def inline(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        self.schemas.setdefault(name, schema)
        return {"$ref": REF_ROOT + name}

    def any_of(self, names: list[str]) -> dict[str, Any] | None:
        refs = [self.contract(n) for n in names]
        if not refs:
            return None
        return refs[0] if len(refs) == 1 else {"anyOf": refs}


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value)


def _json_content(schema: dict[str, Any] | None, media: str = "application/json") -> dict[str, Any]:
    return {media: {"schema": schema}} if schema is not None else {media: {}}


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if converter == "path":
            schema["description"] = "may hold `/`"
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _control_operation(builder: _Builder, endpoint: str, method: str, rule: str,
                       platform: Platform) -> dict[str, Any]:
    key = endpoint.rsplit(".", 1)[-1]
    op = CONTROL.get(key, Operation(response=_OBJECT))
    error = builder.inline("fake-control-error", CONTROL_ERROR)
    if endpoint.startswith(f"{platform.name}_fake_control."):
        # the platform's own control routes pass the model's refusals on in the platform's error body
        error = {"anyOf": [error, builder.contract(platform.error)]}
    if key == "tokens":
        response: dict[str, Any] | None = builder.contract(TOKEN_RESPONSE[platform.name])
    else:
        response = None if op.response is None else builder.inline(f"fake-{key.replace('_', '-')}-answer",
                                                                     op.response)
    out: dict[str, Any] = {
        "operationId": f"fake_{platform.name}_{key}",
        "summary": op.summary or key.replace("_", " "),
        "tags": ["control"],
        "security": [],
        "responses": {str(op.status): {"description": "done",
                                       **({"content": _json_content(response)} if response else {})},
                      "default": {"description": "refused", "content": _json_content(error)}},
    }
    if op.query:
        out["parameters"] = [{"name": n, "in": "query", "required": False, "schema": s} for n, s in op.query.items()]
    if op.request is not None:
        body = builder.inline(f"fake-{key.replace('_', '-')}-request", op.request)
        out["requestBody"] = {"required": key not in ("seed",), "content": _json_content(body)}
    return out


def _spec_operation(builder: _Builder, spec: RouteSpec, method: str, rule: str, platform: Platform) -> dict[str, Any]:
    control = rule.startswith(CONTROL_PREFIX)
    responses: dict[str, Any] = {}
    response = builder.any_of(_variants(spec.response, platform.name))
    ok: dict[str, Any] = {"description": "done"}
    if response is not None:
        ok["content"] = _json_content(response, platform.response_media.get((method, rule), "application/json"))
    elif (method, rule) in platform.response_media:
        ok["content"] = {platform.response_media[(method, rule)]: {}}
    responses[str(spec.status)] = ok
    if (method, rule) in platform.response_media:
        # a SOAP fault is HTTP 500 on the platform (SOAP 1.1), not a server error
        responses["500"] = {"description": "a SOAP fault", "content": {platform.response_media[(method, rule)]: {}}}
    for status, name in platform.errors.get((method, rule), {}).items():
        responses.setdefault(status, {"description": "refused", "content": _json_content(builder.contract(name))})
    if "default" in responses:
        pass
    elif (method, rule) in platform.response_media:
        responses["default"] = {"description": "the platform's error body (a SOAP fault)",
                                "content": {platform.response_media[(method, rule)]: {}}}
    else:
        error = spec.error or (None if control else platform.error)
        error_schema = builder.contract(error) if error else builder.inline("fake-control-error", CONTROL_ERROR)
        if error and error != platform.error and not control:
            # a path werkzeug cannot route (a control character in a `<path:x>`) gets the platform's 404 body
            error_schema = {"anyOf": [error_schema, builder.contract(platform.error)]}
        responses["default"] = {"description": "the platform's error body", "content": _json_content(error_schema)}
    out: dict[str, Any] = {
        "operationId": spec.endpoint.replace(".", "_"),
        "summary": f"{method} {openapi_path(rule)}",
        "tags": ["control" if control else rule.strip("/").split("/")[0]],
        "responses": responses,
    }
    if control or (method, rule) in platform.public:
        out["security"] = []
    else:
        out["security"] = [{platform.bearer: []}]
    if (method, rule) == ("POST", "/oauth/token"):
        out["security"] = [{"basic": []}]
    request = builder.any_of(_variants(spec.request, platform.name))
    media = platform.request_media.get((method, rule))
    if request is not None:
        out["requestBody"] = {"required": True, "content": _json_content(request, media or "application/json")}
    elif media is not None:
        out["requestBody"] = {"required": True, "content": {media: {"schema": {"type": "object"}}
                                                            if "form" in media else {}}}
    elif method in ("POST", "PATCH") and "/sobjects/" in rule:
        # a record's fields: the object's describe says which (contracts/salesforce/record-*)
        out["requestBody"] = {"required": True, "content": _json_content({"type": "object"})}
    return out


def document(app: Flask, platform_name: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every rule of `app` (the fake of `platform_name`)."""
    platform = PLATFORMS[platform_name]
    specs: Mapping[str, RouteSpec] = app.extensions.get(ROUTE_SPECS, {})
    builder = _Builder(platform)
    paths: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        methods = sorted(m for m in (rule.methods or ()) if m not in ("OPTIONS",))
        if "GET" in methods and "HEAD" in methods:
            methods.remove("HEAD")  # werkzeug answers HEAD for every GET rule
        item = paths.setdefault(openapi_path(rule.rule), {})
        params = _path_parameters(rule.rule)
        if params:
            item["parameters"] = params
        for method in methods:
            if method.lower() in item:
                continue  # one rule per method and path: the second is a WebSocket upgrade of the same GET
            spec = specs.get(rule.endpoint)
            if spec is not None:
                operation = _spec_operation(builder, spec, method, rule.rule, platform)
            else:
                operation = _control_operation(builder, rule.endpoint, method, rule.rule, platform)
            if rule.websocket:
                operation["description"] = "also a WebSocket upgrade"
            while operation["operationId"] in used:  # one view serving several rules (`/cometd/<version>`)
                operation["operationId"] += "_" + str(len(used))
            used.add(operation["operationId"])
            item[method.lower()] = operation
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": platform.title, "version": "1.0.0",
                 "description": "What the fake implements: the platform's public API and its own `/_fake/` "
                                "control API (a local tool: no credential, JSON bodies only)."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": dict(sorted(builder.schemas.items())), "securitySchemes": platform.security},
        "security": [{platform.bearer: []}],
    }
