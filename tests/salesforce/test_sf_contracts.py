"""The org's contracts: on disk as generated from the object schema, valid schemas, and the connector environment."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from omni_harness import contracts
from omni_harness.fakes.core import World
from omni_harness.fakes.runner import start_stack
from omni_harness.fakes.salesforce import build
from omni_harness.fakes.salesforce.views.contracts import build_contracts, render


def test_contract_files_match_the_generator():
    """Regenerate with `python -m omni_harness.fakes.salesforce.views.contracts` after changing the schema."""
    for name, schema in build_contracts().items():
        path = contracts.ROOT / "salesforce" / f"{name}.json"
        assert path.exists(), f"missing {path}"
        assert path.read_text() == render(schema), f"{path} is stale"


def test_every_contract_is_a_valid_schema():
    for name in contracts.names("salesforce"):
        Draft202012Validator.check_schema(contracts.load("salesforce", name))


def test_a_record_with_an_unknown_field_breaks_its_contract():
    import pytest

    with pytest.raises(contracts.ValidationError):
        contracts.validate("salesforce", "record-AgentWork", {"attributes": {"type": "AgentWork"}, "Nope": 1})
    with pytest.raises(contracts.ValidationError):
        contracts.validate("salesforce", "record-AgentWork", {"attributes": {"type": "AgentWork"}, "Status": "Gone"})


def test_connector_environment_and_sync_settings(tmp_path):
    stack = start_stack(World(seed=3, agents=4), names=["salesforce"], workdir=tmp_path)
    try:
        env = stack.env()
        fake = stack.fakes["salesforce"]
        base = stack.url("salesforce")
        assert env["SALESFORCE_INSTANCE_URL"] == env["SALESFORCE_LOGIN_URL"] == base
        assert env["SALESFORCE_API_VERSION"] == "67.0"
        creds = fake.world.plan.credentials
        assert env["SALESFORCE_CLIENT_ID"] == creds.salesforce_client_id
        assert env["SALESFORCE_CLIENT_SECRET"] == creds.salesforce_client_secret
        assert env["SALESFORCE_USERNAME"] == creds.salesforce_username
        assert env["SALESFORCE_PASSWORD"] == creds.salesforce_password
        assert env["SALESFORCE_SECURITY_TOKEN"] == creds.salesforce_security_token
        path = Path(env["OMNI_SYNC_SETTINGS"])
        assert path.parent == tmp_path
        settings = json.loads(path.read_text())
        contracts.validate("salesforce", "sync-settings", settings)
        # The fakes serve both media unless told otherwise (`serve --media`): the file names both.
        assert settings["media"] == ["chat", "messaging"] and "serviceChannel" not in settings
        assert settings["presence"]["ON_QUEUE"] == "Online" and settings["presence"]["OFFLINE"] is None
        assert settings["queues"][:len(fake.world.plan.queue_pairs)] == [
            {"salesforce": q.salesforce_developer_name, "genesys": q.genesys_name, "media": "chat",
             "serviceChannel": "sfdc_livechat"} for q in fake.world.plan.queue_pairs]
        assert {q["media"] for q in settings["queues"]} == {"chat", "messaging"}
    finally:
        stack.stop()


def test_build_without_runner_still_writes_a_settings_file():
    world = World(seed=1, agents=2)
    fake = build(world)
    try:
        assert Path(fake.connector_env()["OMNI_SYNC_SETTINGS"]).exists()
    finally:
        world.clock.close()


def test_sync_settings_of_each_medium_and_of_both_fit_the_contract():
    import pytest

    from omni_harness.fakes.salesforce.model.seed import sync_settings

    plan = World(seed=2, agents=2).plan
    messaging = sync_settings(plan, "messaging")
    contracts.validate("salesforce", "sync-settings", messaging)
    assert messaging["serviceChannel"] == "sfdc_livemessage"
    assert messaging["queues"][0] == {
        "salesforce": "Messaging_Queue_1", "genesys": "Messaging Queue 1", "media": "messaging",
        "serviceChannel": "sfdc_livemessage", "openMessagingIntegration": "Salesforce Messaging 1"}
    both = sync_settings(plan, "both")
    contracts.validate("salesforce", "sync-settings", both)
    assert both["media"] == ["chat", "messaging"] and "serviceChannel" not in both
    assert {q["media"] for q in both["queues"]} == {"chat", "messaging"}
    # an older file (queue entries without a medium) still fits; a two-media file can't name one channel
    contracts.validate("salesforce", "sync-settings", {**messaging, "queues": [{"salesforce": "A", "genesys": "B"}]})
    for bad in ({**both, "serviceChannel": "sfdc_livechat"}, {k: v for k, v in messaging.items() if k != "serviceChannel"},
                {**messaging, "media": "voice"}):
        with pytest.raises(contracts.ValidationError):
            contracts.validate("salesforce", "sync-settings", bad)
    with pytest.raises(ValueError):
        sync_settings(plan, "voice")
