"""Wire-level helpers for end-to-end tests of a connector against the running fakes: the event feed, the connector
process, and the people (agents in the Genesys client and Salesforce console, the customer)."""

from __future__ import annotations

import functools
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ON_QUEUE = "e08eaf1b-ee47-4fa9-a231-1200e284798f"
AVAILABLE = "6a3af858-942f-489d-9700-5f9bcdcdae9b"
REPO = Path(__file__).resolve().parents[2]

Event = dict[str, Any]
Match = Callable[[Event], bool]


class WaitTimeout(AssertionError):
    pass


class Feed:
    """The fakes' shared event feed (`/_fake/events` long-poll); remembers every event so waits can look back."""

    def __init__(self, control_url: str, ca: str | None) -> None:
        self.url = control_url.rstrip("/") + "/_fake/events"
        self.verify = ca or True
        self.events: list[Event] = []
        self.cursor = 0

    def mark(self) -> int:
        self._poll(0)
        return self.cursor

    def _poll(self, wait: float) -> None:
        r = requests.get(self.url, params={"after": self.cursor, "wait": wait}, verify=self.verify, timeout=wait + 10)
        r.raise_for_status()
        body = r.json()
        self.events.extend(body["events"])
        self.cursor = max(self.cursor, body["lastSeq"])

    def wait(self, what: str, match: Match, since: int = 0, timeout: float = 15.0) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["seq"] > since and match(event):
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(e["seq"], e["source"], e["type"], _brief(e)) for e in self.events if e["seq"] > since]
                raise WaitTimeout(f"timed out after {timeout:.0f} s waiting for {what}; events since #{since}: "
                                  f"{recent[-25:]}")
            self._poll(min(remaining, 5.0))

    def all(self, match: Match, since: int = 0) -> list[Event]:
        self._poll(0)
        return [e for e in self.events if e["seq"] > since and match(e)]


def _brief(event: Event) -> str:
    d = event["data"]
    if event["type"] == "sobject.change":
        return f"{d.get('entity')} {d.get('changeType')} {d.get('record', {}).get('Status', '')}"
    if event["type"] == "conversation.changed":
        return f"{d.get('change')} {d.get('userId')} {d.get('state')}"
    return ",".join(f"{k}={v}" for k, v in d.items() if isinstance(v, (str, int, bool)) and k != "topics")[:120]


def sf_change(entity: str, change_type: str | None = None, **fields: Any) -> Match:
    def match(e: Event) -> bool:
        if e["source"] != "salesforce" or e["type"] != "sobject.change" or e["data"].get("entity") != entity:
            return False
        if change_type and e["data"].get("changeType") != change_type:
            return False
        record = e["data"].get("record") or {}
        return all(record.get(k) == v for k, v in fields.items())
    return match


def genesys_conversation(change: str, **fields: Any) -> Match:
    def match(e: Event) -> bool:
        d = e["data"]
        return e["source"] == "genesys" and e["type"] == "conversation.changed" and d.get("change") == change \
            and all(d.get(k) == v for k, v in fields.items())
    return match


def of_type(source: str, type_: str, **fields: Any) -> Match:
    def match(e: Event) -> bool:
        return e["source"] == source and e["type"] == type_ and all(e["data"].get(k) == v for k, v in fields.items())
    return match


@dataclass
class ConnectorProcess:
    """`python -m omni_harness.connectors.reference` with the stack's environment; stderr captured to a file."""

    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env.update(self.env)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "omni_harness.connectors.reference"], env=env, cwd=str(REPO),
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def stop(self, timeout: float = 5.0) -> float:
        """SIGTERM, as the harness does; returns how long the process took to exit."""
        assert self.proc is not None
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return time.monotonic() - started

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@dataclass
class Agent:
    """One person: their own Genesys token (the client) and Salesforce console session (the console)."""

    email: str
    genesys_url: str
    salesforce_url: str
    ca: str | None
    genesys_user_id: str = ""
    salesforce_user_id: str = ""
    _g_token: str = ""
    _s_token: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def login(self) -> Agent:
        # Per request, not on the session: an inherited REQUESTS_CA_BUNDLE would override a session default.
        self.session.request = functools.partial(self.session.request, verify=self.ca or True)  # type: ignore
        g = self.session.post(f"{self.genesys_url}/_fake/tokens", json={"email": self.email})
        g.raise_for_status()
        self._g_token = g.json()["access_token"]
        self.genesys_user_id = self._g("GET", "/api/v2/users/me").json()["id"]  # as the client learns who it is
        s = self.session.post(f"{self.salesforce_url}/_fake/tokens", json={"email": self.email})
        s.raise_for_status()
        self._s_token = s.json()["access_token"]
        self.salesforce_user_id = s.json()["id"].rsplit("/", 1)[-1]
        return self

    # -- the Genesys client -------------------------------------------------------------------------
    def _g(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        r = self.session.request(method, self.genesys_url + path,
                                 headers={"Authorization": f"Bearer {self._g_token}"}, **kwargs)
        assert r.status_code < 300, f"{method} {path} -> {r.status_code} {r.text}"
        return r

    def set_presence(self, definition_id: str) -> None:
        self._g("PATCH", f"/api/v2/users/{self.genesys_user_id}/presences/purecloud",
                json={"presenceDefinition": {"id": definition_id}})

    def participant(self, conversation_id: str, participant_id: str, body: dict[str, Any],
                    media: str = "chats") -> None:
        """PATCH the participant as the client does, on `/api/v2/conversations/{media}/...` (chats or messages)."""
        self._g("PATCH", f"/api/v2/conversations/{media}/{conversation_id}/participants/{participant_id}", json=body)

    def wrapup_codes(self, conversation_id: str, participant_id: str, media: str = "chats") -> list[dict[str, Any]]:
        return self._g("GET", f"/api/v2/conversations/{media}/{conversation_id}/participants/{participant_id}"
                              "/wrapupcodes").json()

    # -- the Salesforce console -------------------------------------------------------------------------
    def console(self, method: str, **args: Any) -> Any:
        r = self.session.post(f"{self.salesforce_url}/omni-toolkit/v1/users/{self.salesforce_user_id}/{method}",
                              json=args, headers={"Authorization": f"Bearer {self._s_token}"})
        assert r.status_code < 300, f"console {method} -> {r.status_code} {r.text}"
        return r.json()


def open_customer_chat(salesforce_url: str, ca: str | None, queue: str, text: str = "Hello") -> dict[str, Any]:
    r = requests.post(f"{salesforce_url}/_fake/customers/chats", json={"queue": queue, "customerName": "Ann",
                                                                        "text": text}, verify=ca or True)
    assert r.status_code == 201, r.text
    return r.json()


def open_customer_messaging(salesforce_url: str, ca: str | None, queue: str, name: str = "Ann",
                            text: str = "Hello") -> dict[str, Any]:
    """The customer's Enhanced Chat client opens a messaging session in `queue`."""
    r = requests.post(f"{salesforce_url}/_fake/customers/messaging",
                      json={"queue": queue, "customerName": name, "text": text}, verify=ca or True)
    assert r.status_code == 201, r.text
    return r.json()


def customer_messaging(salesforce_url: str, ca: str | None, work_item_id: str, action: str,
                       body: dict[str, Any] | None = None) -> dict[str, Any]:
    """The customer leaves (`leave`) or comes back (`return`) to a messaging session."""
    r = requests.post(f"{salesforce_url}/_fake/customers/messaging/{work_item_id}/{action}", json=body or {},
                      verify=ca or True)
    assert r.status_code in (200, 201), f"{action} -> {r.status_code} {r.text}"
    return r.json()


def sync_settings_both_media(plan) -> dict[str, Any]:
    """A sync settings file naming both media: the chat pairs and the messaging pairs, each with its own channel."""
    queues = [{"salesforce": q.salesforce_developer_name, "genesys": q.genesys_name, "media": "chat",
               "serviceChannel": "sfdc_livechat"} for q in plan.queue_pairs]
    queues += [{"salesforce": q.salesforce_developer_name, "genesys": q.genesys_name, "media": "messaging",
                "serviceChannel": "sfdc_livemessage", "openMessagingIntegration": q.open_messaging_integration}
               for q in plan.messaging_queue_pairs]
    return {"media": ["chat", "messaging"],
            "presence": {"ON_QUEUE": "Online", "AWAY": "Away", "BREAK": "Away", "MEAL": "Away", "AVAILABLE": None,
                         "BUSY": None, "OFFLINE": None},
            "queues": queues}


class World:
    def __init__(self, stack, connector: ConnectorProcess, feed: Feed) -> None:
        self.stack = stack
        self.connector = connector
        self.feed = feed
        self.ca = stack.env().get("SSL_CERT_FILE")
        self.g_url = stack.url("genesys")
        self.s_url = stack.url("salesforce")
        self._next_person = 0
        self._next_queue = 0
        self._next_messaging_queue = 0
        self.leased: list[Agent] = []

    def agent(self) -> Agent:
        person = self.stack.world.plan.people[self._next_person]
        self._next_person += 1
        agent = Agent(person.email, self.g_url, self.s_url, self.ca).login()
        self.leased.append(agent)
        return agent

    def release(self) -> None:
        """Agents leave the queue after their test, so no later chat is routed to them."""
        for agent in self.leased:
            agent.set_presence(AVAILABLE)
        self.leased.clear()

    def queue(self) -> str:
        pair = self.stack.world.plan.queue_pairs[self._next_queue]
        self._next_queue += 1
        return pair.salesforce_developer_name

    def messaging_queue(self) -> str:
        pair = self.stack.world.plan.messaging_queue_pairs[self._next_messaging_queue]
        self._next_messaging_queue += 1
        return pair.salesforce_developer_name

    def on_queue(self, agent: Agent) -> None:
        mark = self.feed.mark()
        agent.set_presence(ON_QUEUE)
        self.feed.wait(f"Omni status Online for {agent.email}",
                       of_type("salesforce", "console.presence", userId=agent.salesforce_user_id,
                               statusDeveloperName="Online"), since=mark)

    def route_and_pick_up(self, agent: Agent, queue: str) -> tuple[str, str, str, str]:
        """Customer chat -> alert -> Pick Up -> work opened; returns (workItemId, conversationId, participantId,
        AgentWork id)."""
        mark = self.feed.mark()
        chat = open_customer_chat(self.s_url, self.ca, queue)
        work_item = chat["workItemId"]
        alert = self.feed.wait(f"{agent.email}'s client alerting the chat",
                               genesys_conversation("participant.alerting", userId=agent.genesys_user_id),
                               since=mark)["data"]
        customer = [p for p in alert["conversation"]["participants"] if p["purpose"] == "customer"][0]
        assert customer["attributes"]["workItemId"] == work_item
        mark = self.feed.mark()
        agent.participant(alert["conversationId"], alert["participantId"], {"state": "connected"})
        tab = self.feed.wait(f"the work item opened in {agent.email}'s console",
                             of_type("salesforce", "console.tab", userId=agent.salesforce_user_id,
                                     workItemId=work_item, action="opened"), since=mark)
        return work_item, alert["conversationId"], alert["participantId"], tab["data"]["workId"]

    def transfer_to_agent(self, sender: Agent, receiver: Agent, work_item: str, conversation_id: str,
                          since: int) -> dict[str, Any]:
        """The sender transfers the work item to the receiver in the console; returns the change (after
        `since`) that shows the receiver's client alerting the same conversation."""
        sender.console("transferChat", workItemId=work_item, toUserId=receiver.salesforce_user_id)
        return self.feed.wait(f"{receiver.email}'s client alerting the transferred chat",
                              lambda e: e["type"] == "conversation.changed" and e["data"].get("state") == "alerting"
                              and e["data"].get("userId") == receiver.genesys_user_id
                              and e["data"].get("conversationId") == conversation_id, since=since)["data"]

    def start_connector(self) -> None:
        """Start the connector and wait until both fakes saw it subscribe (black-box readiness)."""
        mark = self.feed.mark()
        self.connector.start()
        self.feed.wait("the connector's notification socket",
                       of_type("genesys", "notifications.socket", action="opened"), since=mark, timeout=60)
        self.feed.wait("the connector's streaming subscription",
                       of_type("salesforce", "streaming.client", action="subscribe"), since=mark, timeout=60)

    def restart_connector(self) -> None:
        self.connector.stop()
        self.connector = ConnectorProcess(self.connector.env, self.connector.log_path)
        self.start_connector()


def fakes_ready() -> bool:
    try:
        return all(hasattr(importlib.import_module(m), "build") for m in ("omni_harness.fakes.genesys", "omni_harness.fakes.salesforce"))
    except ImportError:
        return False


def messaging_fakes_ready() -> bool:
    """Both fakes serve messaging: the Genesys fake's inbound open messages and the Salesforce fake's customer
    messaging control routes are in their sources."""
    def serves(package: str, route: str) -> bool:
        return any(route in path.read_text(encoding="utf-8", errors="replace")
                   for path in (REPO / "fakes" / package).rglob("*.py"))
    return fakes_ready() and serves("genesys", "/inbound/open") and serves("salesforce", "def open_messaging")


@contextmanager
def running_world(workdir: Path, agents: int = 10, queues: int = 6,
                  settings: Callable[[Any], dict[str, Any]] | None = None) -> Iterator[World]:
    """Both fakes with TLS, and the reference connector started against them with the stack's environment
    (and, when `settings` is given, the sync settings it writes from the seed plan)."""
    from omni_harness.fakes.core import World as FakeWorld
    from omni_harness.fakes.runner import start_stack

    stack = start_stack(FakeWorld(seed=0, agents=agents, queues=queues), tls=True, workdir=workdir)
    env = stack.env()
    if settings is not None:
        path = workdir / "sync-settings.json"
        path.write_text(json.dumps(settings(stack.world.plan)))
        env["OMNI_SYNC_SETTINGS"] = str(path)
    world = World(stack, ConnectorProcess(env, workdir / "connector.log"),
                  Feed(stack.url("genesys"), stack.env().get("SSL_CERT_FILE")))
    try:
        world.start_connector()
        yield world
    finally:
        if world.connector.proc is not None and world.connector.proc.poll() is None:
            world.connector.stop()
        print(world.connector.log()[-8000:])
        stack.stop()
