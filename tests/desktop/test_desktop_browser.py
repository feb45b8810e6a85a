"""The seed workflow played by clicking the agent desktop in Chromium, with the reference connector running.

Every step is a click; after each, the page is checked against what the fakes hold (read through the platforms'
APIs with the integration's credentials, and the control API), so a page that shows something else fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from omni_harness.fakes.runner import Stack, start_stack
from omni_harness.harness.actors import same_sf_id, work_item_of
from omni_harness.harness.connector import ConnectorProcess
from omni_harness.harness.control import FakeControl
from omni_harness.harness.genesys import ClientCredentials, GenesysApi
from omni_harness.harness.salesforce import PasswordLogin, SalesforceApi, decode_works

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "harness" / "desktop" / "screenshot.png"
STEP_TIMEOUT_MS = 20_000
# The connector boots the platforms' SDKs; on a loaded CI machine that takes far longer than on a laptop.
READY_TIMEOUT_SECONDS = 90.0

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@dataclass
class Platforms:
    """The fakes as a test reads them: both platforms with the integration's credentials, and the control API."""

    stack: Stack
    genesys: GenesysApi
    salesforce: SalesforceApi
    control: FakeControl
    salesforce_control: FakeControl

    def genesys_user(self, user_id: str) -> dict[str, Any]:
        return self.genesys.get(f"/api/v2/users/{user_id}", params={"expand": "presence,routingStatus"})

    def agent_leg(self, conversation_id: str, user_id: str) -> dict[str, Any]:
        chat = self.genesys.chat(conversation_id)
        return [p for p in chat["participants"] if p.get("purpose") == "agent" and (p.get("user") or {}).get("id") == user_id][-1]

    def omni_status(self, sf_user_id: str) -> str | None:
        answer = self.salesforce.console(sf_user_id, "getServicePresenceStatusId", expect_error=True)
        return answer.body.get("statusApiName") if answer.status == 200 else None

    def works(self, sf_user_id: str) -> list[dict[str, Any]]:
        return decode_works(self.salesforce.console(sf_user_id, "getAgentWorks").body)

    def customer_chat(self, work_item_id: str) -> dict[str, Any]:
        return self.salesforce_control.http.get(f"/_fake/customers/chats/{work_item_id}")


@pytest.fixture
def artefacts(tmp_path: Path) -> list[Path]:
    """Where screenshots go: the test's own folder and, when OMNI_ARTIFACTS is set, that folder."""
    folders = [tmp_path / "artefacts"]
    if os.environ.get("OMNI_ARTIFACTS"):
        folders.append(Path(os.environ["OMNI_ARTIFACTS"]) / "desktop")
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platforms]:
    """Both fakes over TLS and the bundled reference connector, ready (it authenticated and subscribed)."""
    folder = tmp_path_factory.mktemp("desktop-browser")
    stack = start_stack(tls=True, workdir=folder / "stack")
    env = stack.env()
    verify = str(stack.ca.ca_path)
    control = FakeControl(stack.url("genesys"), verify)
    connector = ConnectorProcess(None, env, folder / "connector.log")
    genesys = GenesysApi(env["GENESYS_API_URL"], ClientCredentials(env["GENESYS_LOGIN_URL"], env["GENESYS_CLIENT_ID"],
                                                                   env["GENESYS_CLIENT_SECRET"], verify), verify)
    salesforce = SalesforceApi(env["SALESFORCE_INSTANCE_URL"],
                               PasswordLogin(env["SALESFORCE_LOGIN_URL"], env["SALESFORCE_CLIENT_ID"],
                                             env["SALESFORCE_CLIENT_SECRET"], env["SALESFORCE_USERNAME"],
                                             env["SALESFORCE_PASSWORD"], verify), verify)
    salesforce_control = FakeControl(stack.url("salesforce"), verify)
    try:
        start = control.last_seq()
        connector.start()
        connector.wait_ready(control, start, timeout=READY_TIMEOUT_SECONDS)
        yield Platforms(stack, genesys, salesforce, control, salesforce_control)
    finally:
        connector.stop()
        for client in (genesys, salesforce, control, salesforce_control):
            client.close()
        stack.stop()


@pytest.fixture(scope="module")
def desktop_url(running: Platforms) -> Iterator[str]:
    from omni_harness.harness.desktop import start_desktop

    server = start_desktop(running.stack)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_desktop(browser, desktop_url: str):
    """Opens the desktop with the given agents on it; the page must raise no script error."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    errors: list[str] = []

    def opener(*agent_indexes: int):
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(f"{desktop_url}/#agents={','.join(str(i) for i in agent_indexes)}")
        expect(tab.locator("body")).to_have_attribute("data-ready", "true")
        expect(tab.get_by_test_id("feed-status")).to_have_attribute("data-state", "live")
        return tab

    yield opener
    context.close()
    assert errors == [], f"the page raised: {errors}"


@dataclass(frozen=True)
class Seat:
    """One agent on the page, and their ids on both platforms."""

    name: str
    genesys_id: str
    salesforce_id: str
    card: Any  # the agent's card on the page

    @property
    def client(self):
        return self.card.get_by_test_id("genesys-client")

    @property
    def console(self):
        return self.card.get_by_test_id("salesforce-console")


def seat(running: Platforms, page, index: int) -> Seat:
    person = running.stack.world.plan.people[index - 1]
    genesys_id = next(u for u in running.genesys.users() if u["email"] == person.email)["id"]
    salesforce_id = running.salesforce.query(f"SELECT Id FROM User WHERE Email = '{person.email}'")[0]["Id"]
    return Seat(person.name, genesys_id, salesforce_id, page.locator(f'[data-testid="agent"][data-agent="{index}"]'))


def queue_ids(running: Platforms) -> dict[str, str]:
    return {q["name"]: q["id"] for q in running.genesys.queues()}


def screenshot(page, folders: list[Path], name: str, readme: bool = False) -> None:
    """Saved in every artefact folder; `OMNI_DESKTOP_README_SCREENSHOT=1` also refreshes the README's picture."""
    first = folders[0] / name
    page.screenshot(path=str(first), full_page=True)
    for folder in folders[1:]:
        shutil.copyfile(first, folder / name)
    if readme and os.environ.get("OMNI_DESKTOP_README_SCREENSHOT"):
        shutil.copyfile(first, README_SCREENSHOT)


def test_the_seed_workflow_by_clicking_only(running: Platforms, open_desktop, artefacts):
    from playwright.sync_api import expect

    plan = running.stack.world.plan
    pair = plan.queue_pairs[0]
    queues = queue_ids(running)
    queue_id = queues[pair.genesys_name]
    other_queue_id = queues[plan.queue_pairs[1].genesys_name]
    page = open_desktop(1, 2)
    alice = seat(running, page, 1)
    genesys_user, sf_user, client, console = alice.genesys_id, alice.salesforce_id, alice.client, alice.console
    # Only this agent can be offered the chat, whatever another test left On Queue.
    running.genesys.set_queue_members(queue_id, [genesys_user])

    expect(alice.card.get_by_role("heading", name=alice.name)).to_be_visible()
    expect(client.get_by_test_id("presence")).to_have_text(running.genesys_user(genesys_user)["presence"]
                                                           ["presenceDefinition"]["systemPresence"])
    expect(console.get_by_test_id("omni-status")).to_have_text("Offline")
    assert running.omni_status(sf_user) is None

    # 1. The customer opens a chat in the queue that uses external routing.
    customer = page.get_by_test_id("customer-panel")
    customer.get_by_test_id("customer-queue").select_option(pair.salesforce_developer_name)
    customer.get_by_test_id("customer-name").fill("Dana Customer")
    customer.get_by_test_id("customer-open-chat").click()
    chat = customer.get_by_test_id("customer-chat").first
    expect(chat).to_be_visible()
    work_item_id = chat.get_attribute("data-work-item-id")
    assert work_item_id and running.customer_chat(work_item_id)["customerName"] == "Dana Customer"
    expect(chat.get_by_test_id("customer-chat-status")).to_have_text(running.customer_chat(work_item_id)["status"])

    # 2. The agent goes On Queue in the client; the connector makes Omni-Channel Online.
    client.get_by_test_id("go-on-queue").click()
    expect(client.get_by_test_id("presence")).to_have_text("On Queue")
    expect(console.get_by_test_id("omni-status")).to_have_text("Online")
    assert running.omni_status(sf_user) == "Online"
    assert running.genesys_user(genesys_user)["presence"]["presenceDefinition"]["systemPresence"] == "On Queue"

    # 3. The chat alerts in the client, carrying the Salesforce work item.
    interaction = client.get_by_test_id("interaction").first
    expect(interaction).to_have_attribute("data-state", "alerting")
    expect(interaction.get_by_test_id("interaction-state")).to_have_text("alerting")
    conversation_id = interaction.get_attribute("data-conversation-id")
    assert same_sf_id(interaction.get_attribute("data-work-item-id"), work_item_id)
    assert same_sf_id(work_item_of(running.genesys.chat(conversation_id)), work_item_id)
    assert running.agent_leg(conversation_id, genesys_user)["state"] == "alerting"
    expect(client.get_by_test_id("routing-status")).to_have_text(running.genesys_user(genesys_user)["routingStatus"]["status"])

    # 4. Pick Up: the interaction connects and Omni-Channel opens the work item in the console.
    interaction.get_by_test_id("pick-up").click()
    expect(interaction.get_by_test_id("interaction-state")).to_have_text("connected")
    work = console.get_by_test_id("work-item").first
    expect(work).to_be_visible()
    assert same_sf_id(work.get_attribute("data-work-item-id"), work_item_id)
    tab = console.get_by_test_id("conversation").first
    expect(tab).to_have_attribute("data-work-item-id", work.get_attribute("data-work-item-id"))
    expect(tab.get_by_test_id("conversation-status")).to_have_text("InProgress")
    assert running.agent_leg(conversation_id, genesys_user)["state"] == "connected"
    (opened,) = running.works(sf_user)
    assert opened["isEngaged"] and same_sf_id(opened["workItemId"], work_item_id)
    assert work.get_attribute("data-work-id")[:15] == opened["workId"][:15]
    assert running.customer_chat(work_item_id)["status"] == "InProgress"
    expect(chat.get_by_test_id("customer-chat-status")).to_have_text("InProgress")

    # The client may not transfer an externally routed chat: the page shows the platform's own refusal.
    before = running.control.last_seq()
    interaction.get_by_test_id("genesys-transfer-target").select_option(f"queue:{other_queue_id}")
    interaction.get_by_test_id("genesys-transfer").click()
    error = client.get_by_test_id("error-body")
    expect(error).to_be_visible()
    refused = next(e for e in running.control.journal(since=before, kind="request", source="genesys")
                   if e["data"]["path"].endswith("/replace"))
    assert refused["data"]["status"] >= 400
    expect(error).to_contain_text(refused["data"]["responseBody"]["code"])
    expect(error).to_contain_text(refused["data"]["responseBody"]["message"])
    # ...and the timeline holds that request, its bodies shown on click.
    entry = page.locator(f'[data-testid="timeline-entry"][data-seq="{refused["seq"]}"]')
    entry.locator("summary").click()
    expect(entry.get_by_test_id("response-body")).to_contain_text(refused["data"]["responseBody"]["code"])
    expect(entry.get_by_test_id("request-body")).to_contain_text(other_queue_id)
    screenshot(page, artefacts, "desktop-connected.png", readme=True)

    # 5. Close the work item in the console: the client disconnects and the wrap-up window opens.
    tab.get_by_test_id("close-tab").click()
    expect(console.get_by_test_id("work-item")).to_have_count(0)
    wrapup = interaction.get_by_test_id("wrapup")
    expect(wrapup).to_be_visible()
    expect(interaction.get_by_test_id("interaction-state")).to_have_text("wrap-up")
    assert running.works(sf_user) == []
    leg = running.agent_leg(conversation_id, genesys_user)
    assert leg["state"] == "disconnected" and leg["wrapupRequired"] and not leg.get("wrapup")
    queue_codes = {c["id"]: c["name"] for c in running.genesys.queue_wrapup_codes(queue_id)}
    assert queue_codes
    options = wrapup.get_by_test_id("wrapup-code").locator("option")
    expect(options).to_have_count(len(queue_codes) + 1)  # and the "Select a wrap-up code" prompt
    shown = {o.get_attribute("value"): o.inner_text() for o in options.all() if o.get_attribute("value")}
    assert shown == queue_codes
    screenshot(page, artefacts, "desktop-wrapup.png")

    # 6. Pick a code and click Done: the agent is routable again.
    code_id, code_name = sorted(queue_codes.items(), key=lambda kv: kv[1])[0]
    wrapup.get_by_test_id("wrapup-code").select_option(code_id)
    wrapup.get_by_test_id("wrapup-done").click()
    expect(client.get_by_test_id("interaction")).to_have_count(0)
    expect(client.get_by_test_id("routing-status")).to_have_text("IDLE")
    expect(client.get_by_test_id("presence")).to_have_text("On Queue")
    assert running.genesys_user(genesys_user)["routingStatus"]["status"] == "IDLE"
    assert running.agent_leg(conversation_id, genesys_user)["wrapup"]["code"] == code_id
    expect(console.get_by_test_id("omni-status")).to_have_text(running.omni_status(sf_user) or "Offline")

    # The timeline filtered by the work item shows only journal entries that name it.
    timeline = page.get_by_test_id("timeline")
    timeline.get_by_test_id("filter-work-item").select_option(work_item_id)
    rows = timeline.get_by_test_id("timeline-entry")
    expect(rows.first).to_be_visible()
    naming = {e["seq"] for e in running.control.journal(since=0) if work_item_id[:15] in json.dumps(e)}
    shown = {int(seq) for seq in rows.evaluate_all("rows => rows.map(r => r.dataset.seq)")}
    assert shown and shown <= naming, sorted(shown - naming)


def test_a_transfer_to_an_agent_in_salesforce_by_clicking_only(running: Platforms, open_desktop, artefacts):
    """XFER-2 on the page: Alice transfers from her console, Bob picks up in his client, Alice wraps up."""
    from playwright.sync_api import expect

    pair = running.stack.world.plan.queue_pairs[1]
    queue_id = queue_ids(running)[pair.genesys_name]
    page = open_desktop(3, 4)
    alice, bob = seat(running, page, 3), seat(running, page, 4)
    running.genesys.set_queue_members(queue_id, [alice.genesys_id, bob.genesys_id])

    customer = page.get_by_test_id("customer-panel")
    customer.get_by_test_id("customer-queue").select_option(pair.salesforce_developer_name)
    customer.get_by_test_id("customer-open-chat").click()
    work_item_id = customer.get_by_test_id("customer-chat").first.get_attribute("data-work-item-id")
    alice.client.get_by_test_id("go-on-queue").click()
    alice.client.get_by_test_id("pick-up").click()
    tab = alice.console.get_by_test_id("conversation")
    expect(tab).to_have_attribute("data-work-item-id", re.compile(f"^{work_item_id[:15]}"))
    bob.client.get_by_test_id("go-on-queue").click()
    expect(bob.console.get_by_test_id("omni-status")).to_have_text("Online")

    # Alice transfers to Bob in Salesforce: Bob's client alerts the same work item, his console shows it incoming.
    tab.get_by_test_id("sf-transfer-target").select_option(f"user:{bob.salesforce_id}")
    tab.get_by_test_id("sf-transfer").click()
    alert = bob.client.get_by_test_id("interaction")
    expect(alert).to_have_attribute("data-state", "alerting")
    assert same_sf_id(alert.get_attribute("data-work-item-id"), work_item_id)
    incoming = bob.console.get_by_test_id("incoming")
    expect(incoming).to_have_count(1)
    (assigned,) = running.works(bob.salesforce_id)
    assert not assigned["isEngaged"] and same_sf_id(assigned["workItemId"], work_item_id)
    assert same_sf_id(incoming.get_attribute("data-work-id"), assigned["workId"])
    expect(alice.client.get_by_test_id("interaction-state")).to_have_text("connected")
    expect(alice.console.get_by_test_id("work-item")).to_have_count(1)

    # Bob picks up in his client: the work opens in his console, Alice's tab closes and her wrap-up window opens.
    alert.get_by_test_id("pick-up").click()
    expect(bob.console.get_by_test_id("conversation")).to_have_attribute("data-work-item-id",
                                                                         re.compile(f"^{work_item_id[:15]}"))
    expect(bob.console.get_by_test_id("incoming")).to_have_count(0)
    expect(alice.console.get_by_test_id("work-item")).to_have_count(0)
    expect(alice.client.get_by_test_id("wrapup")).to_be_visible()
    screenshot(page, artefacts, "desktop-transfer.png")
    assert running.works(alice.salesforce_id) == []
    (opened,) = running.works(bob.salesforce_id)
    assert opened["isEngaged"] and same_sf_id(opened["workItemId"], work_item_id)
    bob_leg = alert.get_attribute("data-conversation-id")
    assert running.agent_leg(bob_leg, bob.genesys_id)["state"] == "connected"

    # Both finish: Alice wraps up; Bob closes the tab and wraps up. Both are routable again.
    alice.client.get_by_test_id("wrapup-code").select_option(index=1)
    alice.client.get_by_test_id("wrapup-done").click()
    bob.console.get_by_test_id("close-tab").click()
    bob.client.get_by_test_id("wrapup-code").select_option(index=1)
    bob.client.get_by_test_id("wrapup-done").click()
    for agent in (alice, bob):
        expect(agent.client.get_by_test_id("interaction")).to_have_count(0)
        expect(agent.client.get_by_test_id("routing-status")).to_have_text("IDLE")
        assert running.genesys_user(agent.genesys_id)["routingStatus"]["status"] == "IDLE"
    assert running.customer_chat(work_item_id)["status"] == "Completed"
    expect(customer.get_by_test_id("customer-chat-status")).to_have_text("Completed")
