"""contracts/salesforce/objects/messaging.json: the documented shape of the Enhanced Chat sObjects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from omni_harness import contracts

PATH = contracts.ROOT / "salesforce" / "objects" / "messaging.json"
FIELD_KEYS = {"name", "type", "createable", "updateable", "nillable", "filterable", "referenceTo",
              "relationshipName", "picklistValues", "defaultValue", "since"}
DESCRIBE_TYPES = {"id", "reference", "string", "boolean", "datetime", "picklist", "int", "textarea", "url"}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads(PATH.read_text())


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in data["objects"] if o["name"] == name)


def _field(data: dict[str, Any], sobject: str, name: str) -> dict[str, Any]:
    return next(f for f in _object(data, sobject)["fields"] if f["name"] == name)


def test_names_its_source_and_the_three_objects(data: dict[str, Any]) -> None:
    assert "object-reference" in data["source"]
    assert [o["name"] for o in data["objects"]] == ["MessagingSession", "MessagingEndUser", "MessagingChannel"]


def test_fields_use_describe_vocabulary_only(data: dict[str, Any]) -> None:
    for sobject in data["objects"]:
        names = [f["name"] for f in sobject["fields"]]
        assert len(names) == len(set(names)), f"{sobject['name']} repeats a field"
        for f in sobject["fields"]:
            assert set(f) <= FIELD_KEYS, f"{sobject['name']}.{f['name']}: {set(f) - FIELD_KEYS}"
            assert f["type"] in DESCRIBE_TYPES, f"{sobject['name']}.{f['name']}: {f['type']}"
            assert (f["type"] == "reference") == ("referenceTo" in f), f"{sobject['name']}.{f['name']}"


def test_messaging_session_work_item_fields(data: dict[str, Any]) -> None:
    assert _object(data, "MessagingSession")["keyPrefix"] == "0Mw"
    status = _field(data, "MessagingSession", "Status")
    assert sorted(status["picklistValues"]) == sorted(
        ["New", "Waiting", "Active", "Inactive", "Paused", "Ended", "Consent", "Error"])
    assert _field(data, "MessagingSession", "AgentType")["picklistValues"] == ["Agent", "Bot", "BotToAgent", "System"]
    assert _field(data, "MessagingSession", "Origin")["defaultValue"] == "InboundInitiated"
    end_user = _field(data, "MessagingSession", "MessagingEndUserId")
    assert (end_user["referenceTo"], end_user["relationshipName"]) == (["MessagingEndUser"], "MessagingEndUser")
    assert _field(data, "MessagingSession", "AgentType")["updateable"] is False


def test_only_the_session_prefix_is_claimed(data: dict[str, Any]) -> None:
    for name in ("MessagingEndUser", "MessagingChannel"):
        assert "keyPrefix" not in _object(data, name)
        assert "keyPrefix" in _object(data, name)["unconfirmed"]


def test_livemessage_service_channel(data: dict[str, Any]) -> None:
    assert data["serviceChannels"][0]["DeveloperName"] == "sfdc_livemessage"
    assert data["serviceChannels"][0]["RelatedEntity"] == "MessagingSession"
