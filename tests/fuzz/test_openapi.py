"""`GET /_fake/openapi.json`: an OpenAPI 3.1 document of every route each fake serves, none left out, none invented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from omni_harness.fakes.core.openapi import openapi_path

# The OpenAPI Initiative's meta-schema of 3.1 documents (https://spec.openapis.org/oas/3.1/schema/2022-10-07); it
# leaves Schema Objects unchecked, so each one is checked as JSON Schema 2020-12 below.
META_SCHEMA = json.loads((Path(__file__).parent / "oas-3.1-schema.json").read_text())
PLATFORMS = ("genesys", "salesforce")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(params=PLATFORMS)
def served(request, fakes) -> tuple[Any, dict[str, Any]]:
    app = fakes.app(request.param)
    response = app.test_client().get("/_fake/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return app, json.loads(response.get_data(as_text=True), parse_constant=_refuse)


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def test_the_document_is_valid_openapi_31(served):
    _, doc = served
    assert doc["openapi"].startswith("3.1.")
    errors = sorted(Draft202012Validator(META_SCHEMA).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
    for name, schema in doc["components"]["schemas"].items():
        assert isinstance(schema, dict), name
        Draft202012Validator.check_schema(schema)


def test_every_ref_resolves_inside_the_document(served):
    _, doc = served
    registry = Registry().with_resource("urn:doc", Resource.opaque(doc))
    resolver = registry.resolver(base_uri="urn:doc")
    refs = _refs(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        resolver.lookup(f"urn:doc{ref}")  # raises on a dangling pointer


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        out = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            out |= _refs(value)
        return out
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def test_every_rule_of_the_app_is_documented_and_nothing_else(served):
    app, doc = served
    rules: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = set(rule.methods or ()) - {"OPTIONS"}
        if "GET" in methods:
            methods.discard("HEAD")  # werkzeug adds HEAD to every GET rule
        rules |= {(m.lower(), openapi_path(rule.rule)) for m in methods}
    documented = {(m, path) for path, item in doc["paths"].items() for m in item if m in HTTP_METHODS}
    assert rules - documented == set(), "routes left out of the document"
    assert documented - rules == set(), "operations the app does not serve"
    assert ("get", "/_fake/openapi.json") in documented


def test_operations_carry_schemas_security_and_errors(served):
    app, doc = served
    platform = app.config["FAKE"].name
    ids = []
    for path, item in doc["paths"].items():
        declared = {p["name"] for p in item.get("parameters", [])}
        assert declared == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}, path
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            ids.append(op["operationId"])
            assert "default" in op["responses"], f"{method} {path}: no error response"
            if path.startswith("/_fake/"):
                assert op["security"] == [], f"{method} {path}: the control API takes no credential"
    assert len(ids) == len(set(ids)), "operation ids are unique"
    schemes = doc["components"]["securitySchemes"]
    if platform == "genesys":
        assert schemes["oauth"]["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
        users = doc["paths"]["/api/v2/users/{user_id}"]["get"]
        assert users["security"] == [{"oauth": []}]
        assert users["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/user"}
        assert users["responses"]["default"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/error"}
        put = doc["paths"]["/api/v2/users/{user_id}/routingstatus"]["put"]
        assert put["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/routing-status-request"}
    else:
        record = doc["paths"]["/services/data/{version_text}/sobjects/{sobject}/{record_id}"]["get"]
        variants = record["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
        assert {"$ref": "#/components/schemas/record-AgentWork"} in variants
        assert record["security"] == [{"session": []}]
        token = doc["paths"]["/services/oauth2/token"]["post"]
        assert token["security"] == []
        assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
        assert {"$ref": "#/components/schemas/oauth-token-error"} in \
            token["responses"]["default"]["content"]["application/json"]["schema"]["anyOf"]
