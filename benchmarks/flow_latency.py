"""Benchmark: one routed flow end to end through a connector (the reference connector by default), chat beside
messaging.

The stack runs in this process (`omni_harness.fakes.runner.start_stack`, TLS on, ephemeral ports); the connector runs as a child
process, as `certify` starts it, with sync settings for both media. Each agent of the benchmark is a member of one
chat queue and one messaging queue of the seed plan (its own pair, so a flow always reaches its own agent) and goes
On Queue in Genesys Cloud; the connector makes it Online in Omni-Channel. Then, per medium, N flows run, a few at a
time (one worker per agent):

  the customer opens a conversation     POST /_fake/customers/chats | /_fake/customers/messaging (Salesforce)
  the agent's leg alerts                 conversation.changed, participant.alerting (Genesys)
  the agent clicks Pick Up               PATCH /api/v2/conversations/{chats|messages}/{id}/participants/{pid}
  the work item opens                    sobject.change AgentWork Status=Opened (Salesforce)
  then Disconnect and wrap-up, and the wait for AgentWork Closed, so the next flow finds the agent idle.

Every wait rides the fakes' event feed (`/_fake/events` long poll), never a sleep. The latencies are read afterwards
from the world's journal, where both fakes stamp every request and state change (times to the millisecond):

  (a) routed -> raised    PendingServiceRouting created -> the connector's call that raises the interaction in
                          Genesys answered (POST /api/v2/conversations/chats, or the inbound open message)
  (b) routed -> alerting  PendingServiceRouting created -> the agent's leg alerting (with an agent idle, the fake's
                          ACD alerts within the call that raises the interaction, so (b) can end before (a))
  (c) Pick Up -> Opened   the Pick Up PATCH received -> AgentWork Opened
  (d) end to end          the customer's first record -> AgentWork Opened, minus the benchmark's own wait between
                          the alert and its click (shown as "click wait")

A flow is *lost* when something it waits for never comes (within --timeout), *failed* when a platform refuses one
of the benchmark's calls. Run from the repository root:
    python benchmarks/flow_latency.py [--flows 50] [--concurrency 1] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from omni_harness.fakes.core import World  # noqa: E402
from omni_harness.fakes.runner import start_stack  # noqa: E402
from omni_harness.harness.actors import AgentClient, AgentConsole, Customer, same_sf_id  # noqa: E402
from omni_harness.harness.connector import READINESS_SIGNALS, ConnectorNotReady, ConnectorProcess, parse_command  # noqa: E402
from omni_harness.harness.control import FakeControl  # noqa: E402
from omni_harness.harness.controller import empty_all_queues  # noqa: E402
from omni_harness.harness.directory import Person, QueuePair  # noqa: E402
from omni_harness.harness.http import ApiError  # noqa: E402
from omni_harness.harness.media import Medium  # noqa: E402
from omni_harness.harness.scenario import Platforms  # noqa: E402
from omni_harness.harness.stackinfo import StackInfo  # noqa: E402
from omni_harness.harness.waits import EventFeed, WaitTimeout, wait_until  # noqa: E402

MEASURES = (
    ("routedToRaised", "(a) routing request -> interaction raised"),
    ("raiseCall", "    of which the raising call itself (in the fake)"),
    ("routedToAlerting", "(b) routing request -> agent leg alerting"),
    ("pickUpToOpened", "(c) Pick Up -> AgentWork Opened"),
    ("pickUpToInserted", "    of which Pick Up -> AgentWork inserted (Assigned)"),
    ("endToEnd", "(d) customer opens -> work opened, less click wait"),
    ("clickWait", "    click wait (alert -> Pick Up, the benchmark's own)"),
)
POLL_SECONDS = 10.0  # one long poll of the feed is held at most this long
FEED_BATCH = 500
SETUP_TIMEOUT = 30.0


class Lost(Exception):
    """Something the flow waits for did not come in time."""


class Refused(Exception):
    """A platform refused one of the benchmark's own calls."""


@dataclass
class Flow:
    """One flow as the driver ran it: the ids it met, where it stopped, and its latencies once measured."""

    medium: str
    number: int
    agent: str
    queue: str
    start_seq: int = 0
    end_seq: int = 0
    work_item_id: str | None = None
    routing_request_id: str | None = None
    conversation_id: str | None = None
    participant_id: str | None = None
    outcome: str = "ok"  # ok | lost | failed
    stage: str = ""  # where a lost or failed flow stopped
    detail: str = ""
    latencies_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class Slot:
    """One worker's agent: its Genesys client for the medium, its Salesforce console, and its queue pair."""

    person: Person
    client: AgentClient
    console: AgentConsole
    pair: QueuePair
    healthy: bool = True


# -- waiting on the event feed ------------------------------------------------------------------------------------
class FeedReader:
    """Follows the world's event feed from a cursor: long-polls `/_fake/events` and answers the first event that
    matches, so a wait wakes on the change it waits for and on nothing else (no polling of the platforms' APIs,
    which would load the fakes the benchmark measures)."""

    def __init__(self, control: FakeControl) -> None:
        self.control = control
        self.cursor = control.last_seq()

    def mark(self) -> int:
        """Moves the cursor to now: events from here on are the ones the next wait may match."""
        self.cursor = self.control.last_seq()
        return self.cursor

    def wait_for(self, match: Callable[[dict[str, Any]], bool], what: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Lost(f"no {what} within {timeout:g} s")
            try:
                answer = self.control.events(after=self.cursor, wait=min(remaining, POLL_SECONDS), limit=FEED_BATCH)
            except requests.RequestException as exc:
                raise Lost(f"the event feed did not answer while waiting for {what}: {exc}") from exc
            for entry in answer.get("events") or []:
                self.cursor = max(self.cursor, int(entry["seq"]))
                if match(entry):
                    return entry


def _is_alert(medium: Medium, user_id: str) -> Callable[[dict[str, Any]], bool]:
    def match(e: dict[str, Any]) -> bool:
        d = e.get("data") or {}
        return (e.get("type") == "conversation.changed" and d.get("userId") == user_id
                and d.get("state") == "alerting" and d.get("mediaType") == medium.genesys_media_type)

    return match


def _is_agent_work(work_item_id: str, status: str) -> Callable[[dict[str, Any]], bool]:
    def match(e: dict[str, Any]) -> bool:
        d = e.get("data") or {}
        record = d.get("record") or {}
        return (e.get("type") == "sobject.change" and d.get("entity") == "AgentWork"
                and record.get("Status") == status and same_sf_id(record.get("WorkItemId"), work_item_id))

    return match


# -- one flow -----------------------------------------------------------------------------------------------------
def _call(stage: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ApiError as exc:
        raise Refused(f"{stage}: {exc}") from exc
    except requests.RequestException as exc:
        raise Refused(f"{stage}: no answer ({type(exc).__name__}: {exc})") from exc


def run_flow(flow: Flow, slot: Slot, medium: Medium, customers: FakeControl, feed: FeedReader,
             timeout: float) -> None:
    """Customer opens -> alert -> Pick Up -> AgentWork Opened; then Disconnect, wrap-up, AgentWork Closed."""
    client, user_id = slot.client, slot.person.genesys_user_id
    flow.start_seq = feed.mark()
    customer = Customer(customers, f"Customer {flow.number}", medium)
    flow.stage = "customer opens"
    chat = _call(flow.stage, lambda: customer.start_chat(f"flow {flow.number}", slot.pair.salesforce_developer_name))
    flow.work_item_id, flow.routing_request_id = chat.work_item_id, chat.routing_request_id

    flow.stage = "agent leg alerting"
    alert = feed.wait_for(_is_alert(medium, user_id), f"alert for {slot.person.name}", timeout)
    flow.conversation_id = alert["data"]["conversationId"]
    flow.participant_id = alert["data"]["participantId"]

    flow.stage = "Pick Up"
    _call(flow.stage, lambda: client.pick_up(flow.conversation_id, flow.participant_id))
    flow.stage = "AgentWork Opened"
    feed.wait_for(_is_agent_work(chat.work_item_id, "Opened"), f"AgentWork Opened for {chat.work_item_id}", timeout)

    # Not measured: the agent finishes, so the next flow finds the agent idle on both platforms.
    flow.stage = "Disconnect"
    _call(flow.stage, lambda: client.disconnect(flow.conversation_id, flow.participant_id))
    flow.stage = "wrap-up"
    codes = _call(flow.stage, lambda: client.wrapup_codes(flow.conversation_id, flow.participant_id))
    if not codes:
        raise Refused("wrap-up: the wrap-up window offers no code")
    answer = _call(flow.stage, lambda: client.wrap_up(flow.conversation_id, flow.participant_id, codes[0]["id"],
                                                      "benchmark"))
    if answer.status >= 300:
        raise Refused(f"wrap-up: answered {answer.status} {answer.body}")
    flow.stage = "AgentWork Closed"
    feed.wait_for(_is_agent_work(chat.work_item_id, "Closed"), f"AgentWork Closed for {chat.work_item_id}", timeout)
    flow.stage = ""
    flow.end_seq = feed.control.last_seq()


def recover(slot: Slot, platforms: Platforms, medium: Medium, feed: EventFeed, flow: Flow, timeout: float) -> bool:
    """After a lost or failed flow: ends whatever the agent still has, on both platforms, and waits until the agent
    is IDLE in Genesys Cloud, Online in Omni-Channel and has no open work. Answers whether that was reached."""
    client, console = slot.client, slot.console

    def attempt(fn: Callable[[], Any]) -> None:
        try:
            fn()
        except (ApiError, requests.RequestException, KeyError, ValueError):
            pass  # best effort: the wait below decides

    collection = medium.genesys_collection
    if flow.conversation_id:
        attempt(lambda: platforms.genesys.disconnect_conversation(flow.conversation_id, collection))
    for conv in _safe(client.chats, []):
        for p in conv.get("participants", []):
            if (p.get("user") or {}).get("id") != slot.person.genesys_user_id:
                continue
            if p.get("state") in ("alerting", "connected"):
                attempt(lambda c=conv, q=p: client.disconnect(c["id"], q["id"]))
            codes = _safe(lambda c=conv, q=p: client.wrapup_codes(c["id"], q["id"]), [])
            if codes:
                attempt(lambda c=conv, q=p, k=codes: client.wrap_up(c["id"], q["id"], k[0]["id"], "benchmark"))
    for work in _safe(console.works, []):
        # An Assigned work (never opened) can only be declined; an Opened one is closed.
        attempt(lambda w=work: console.call("declineAgentWork", {"workId": w.get("workId", "")}, expect_error=True))
        attempt(lambda w=work: console.close_work(w.get("workId", "")))

    def idle() -> tuple[bool, str]:
        status = client.routing_status()
        omni = (console.status() or {}).get("statusApiName")
        works = console.works()
        return status == "IDLE" and omni == "Online" and not works, f"routing {status}, Omni-Channel {omni}, " \
                                                                   f"{len(works)} open work(s)"

    try:
        wait_until(idle, f"{slot.person.name} to be idle again", timeout, feed=feed)
        return True
    except WaitTimeout as exc:
        flow.detail += f"; the agent is not idle again, so takes no more flows: {exc.seen}"
        return False


def _safe(fn: Callable[[], Any], default: Any) -> Any:
    try:
        return fn()
    except (ApiError, requests.RequestException):
        return default


# -- measuring from the journal -----------------------------------------------------------------------------------
def _time(entry: dict[str, Any]) -> float:
    """Seconds since the epoch of a journal entry (the fakes stamp it to the millisecond)."""
    return datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00")).timestamp()


def _raises(entry: dict[str, Any], work_item_id: str) -> bool:
    """The connector's call that raises the work item's interaction in Genesys Cloud, answered with success."""
    d = entry.get("data") or {}
    if entry.get("kind") != "request" or d.get("method") != "POST" or int(d.get("status") or 0) >= 300:
        return False
    body = d.get("requestBody") if isinstance(d.get("requestBody"), dict) else {}
    path = str(d.get("path") or "")
    if path == "/api/v2/conversations/chats":
        return same_sf_id((body.get("attributes") or {}).get("workItemId"), work_item_id)
    if path.startswith("/api/v2/conversations/messages/") and path.endswith("/inbound/open/message"):
        custom = ((body.get("channel") or {}).get("metadata") or {}).get("customAttributes") or {}
        named = custom.get("workItemId") or (body.get("metadata") or {}).get("workItemId")
        return same_sf_id(named, work_item_id)
    return False


def measure(flow: Flow, entries: list[dict[str, Any]]) -> dict[str, float] | str:
    """The flow's latencies in milliseconds, or what the journal lacks to measure them."""
    wid, cid, pid = flow.work_item_id or "", flow.conversation_id, flow.participant_id
    mine = [e for e in entries if flow.start_seq < int(e["seq"]) <= (flow.end_seq or int(e["seq"]))]

    def first(match: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        return next((e for e in mine if match(e)), None)

    def change(e: dict[str, Any], entity: str, change_type: str | None = None) -> dict[str, Any] | None:
        d = e.get("data") or {}
        if e.get("type") != "sobject.change" or d.get("entity") != entity:
            return None
        if change_type is not None and d.get("changeType") != change_type:
            return None
        return d

    created = first(lambda e: (d := change(e, Medium(flow.medium).work_item_object, "CREATE")) is not None
                    and same_sf_id(d.get("recordId"), wid))
    routed = first(lambda e: (d := change(e, "PendingServiceRouting", "CREATE")) is not None
                   and same_sf_id((d.get("record") or {}).get("WorkItemId"), wid))
    raised = first(lambda e: _raises(e, wid))
    alerting = first(lambda e: e.get("type") == "conversation.changed" and (e.get("data") or {}).get(
        "conversationId") == cid and (e.get("data") or {}).get("participantId") == pid
        and (e.get("data") or {}).get("state") == "alerting")
    pick_up = first(lambda e: e.get("kind") == "request" and (e.get("data") or {}).get("method") == "PATCH"
                    and str((e.get("data") or {}).get("path") or "").endswith(f"/{cid}/participants/{pid}")
                    and ((e.get("data") or {}).get("requestBody") or {}).get("state") == "connected")
    opened = first(lambda e: (d := change(e, "AgentWork")) is not None and (d.get("record") or {}).get(
        "Status") == "Opened" and "Status" in (d.get("changedFields") or ["Status"])
        and same_sf_id((d.get("record") or {}).get("WorkItemId"), wid))
    inserted = first(lambda e: (d := change(e, "AgentWork", "CREATE")) is not None
                     and same_sf_id((d.get("record") or {}).get("WorkItemId"), wid))
    found = {"work item created": created, "routing request created": routed, "interaction raised": raised,
             "agent leg alerting": alerting, "Pick Up": pick_up, "AgentWork Opened": opened}
    missing = [name for name, entry in found.items() if entry is None]
    if missing:
        return "not in the journal: " + ", ".join(missing)
    assert created and routed and raised and alerting and pick_up and opened
    # The customer's first record: every change of the customer's request carries its correlation id.
    origin = created.get("correlationId")
    start = min(_time(e) for e in mine if e.get("correlationId") == origin) if origin else _time(created)
    # A request is journaled when answered; it was received durationMs earlier.
    clicked = _time(pick_up) - float(pick_up["data"].get("durationMs") or 0.0) / 1000.0
    t_routed, t_alert, t_opened = _time(routed), _time(alerting), _time(opened)
    click_wait = clicked - t_alert
    values = {"routedToRaised": _time(raised) - t_routed, "routedToAlerting": t_alert - t_routed,
              "pickUpToOpened": t_opened - clicked, "endToEnd": (t_opened - start) - click_wait,
              "clickWait": click_wait}
    values["raiseCall"] = float(raised["data"].get("durationMs") or 0.0) / 1000.0
    if inserted is not None:  # a connector may also open work it did not insert (a transfer's, say)
        values["pickUpToInserted"] = _time(inserted) - clicked
    return {k: round(v * 1000.0, 2) for k, v in values.items()}


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p99 (nearest rank: with fewer than 100 values it is the largest) and max, in milliseconds."""
    if not values:
        return {}
    ordered = sorted(values)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return {"p50": round(statistics.median(ordered), 1), "p99": round(p99, 1), "max": round(ordered[-1], 1)}


# -- a phase: N flows of one medium ---------------------------------------------------------------------------------
@dataclass
class Phase:
    medium: str
    flows: list[Flow]
    seconds: float
    loadavg_before: list[float]
    loadavg_after: list[float]

    def counts(self) -> dict[str, int]:
        out = {"ok": 0, "lost": 0, "failed": 0}
        for f in self.flows:
            out[f.outcome] += 1
        return out

    def summary(self) -> dict[str, dict[str, float]]:
        done = [f for f in self.flows if f.outcome == "ok"]
        return {key: percentiles([f.latencies_ms[key] for f in done if key in f.latencies_ms]) for key, _ in MEASURES}


def run_phase(medium: Medium, slots: list[Slot], platforms: Platforms, info: StackInfo, flows: int,
              timeout: float) -> Phase:
    control = FakeControl(info.genesys_url, info.verify)
    started_seq = control.last_seq()
    numbers = iter(range(1, flows + 1))
    lock = threading.Lock()
    done: list[Flow] = []

    def next_number() -> int | None:
        with lock:
            return next(numbers, None)

    def worker(slot: Slot) -> None:
        feed_control = FakeControl(info.genesys_url, info.verify)
        customers = FakeControl(info.salesforce_url, info.verify)
        feed = FeedReader(feed_control)
        try:
            while slot.healthy and (number := next_number()) is not None:
                flow = Flow(medium.value, number, slot.person.name, slot.pair.salesforce_developer_name)
                try:
                    run_flow(flow, slot, medium, customers, feed, timeout)
                except Lost as exc:
                    flow.outcome, flow.detail = "lost", str(exc)
                except Refused as exc:
                    flow.outcome, flow.detail = "failed", str(exc)
                except Exception as exc:  # noqa: BLE001 - a benchmark reports a broken flow and goes on
                    flow.outcome, flow.detail = "failed", f"{flow.stage}: {type(exc).__name__}: {exc}"
                flow.end_seq = flow.end_seq or feed_control.last_seq()
                with lock:
                    done.append(flow)
                if flow.outcome != "ok":
                    slot.healthy = recover(slot, platforms, medium, EventFeed(feed_control), flow, timeout)
        finally:
            feed_control.close()
            customers.close()

    load_before = [round(x, 2) for x in os.getloadavg()]
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(slot,), name=f"flow-{slot.person.index}") for slot in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    load_after = [round(x, 2) for x in os.getloadavg()]
    # Flows no worker could take: every agent was left busy by an earlier failure.
    while (number := next_number()) is not None:
        done.append(Flow(medium.value, number, "", "", outcome="failed", stage="not started",
                         detail="no agent was idle after earlier failures"))
    entries = control.journal(since=started_seq)
    control.close()
    for flow in done:
        if flow.outcome != "ok":
            continue
        measured = measure(flow, entries)
        if isinstance(measured, str):
            flow.outcome, flow.stage, flow.detail = "failed", "measure", measured
        else:
            flow.latencies_ms = measured
    done.sort(key=lambda f: f.number)
    return Phase(medium.value, done, round(seconds, 2), load_before, load_after)


# -- setting up -------------------------------------------------------------------------------------------------
def make_slots(platforms: Platforms, agents: int, medium: Medium) -> list[Slot]:
    d = platforms.directory
    pairs = d.queue_pairs if medium is Medium.CHAT else d.messaging_queue_pairs
    out = []
    for person, pair in zip(d.people[:agents], pairs, strict=False):
        client, console = platforms.screens(person, medium)
        out.append(Slot(person, client, console, pair))
    return out


def go_on_queue(platforms: Platforms, info: StackInfo, agents: int, timeout: float) -> None:
    """Each agent a member of its own chat and messaging queue, On Queue in Genesys, Online in Omni-Channel."""
    d = platforms.directory
    for index, person in enumerate(d.people[:agents]):
        for pair in (d.queue_pairs[index], d.messaging_queue_pairs[index]):
            platforms.genesys.add_queue_members(pair.genesys_id, [person.genesys_user_id])
    slots = make_slots(platforms, agents, Medium.CHAT)
    for slot in slots:
        slot.client.set_presence("On Queue")
    control = FakeControl(info.genesys_url, info.verify)
    try:
        def ready() -> tuple[bool, str]:
            waiting = []
            for slot in slots:
                status = slot.client.routing_status()
                omni = (slot.console.status() or {}).get("statusApiName")
                if status != "IDLE" or omni != "Online":
                    waiting.append(f"{slot.person.name} {status}/{omni or 'logged out'}")
            return not waiting, ", ".join(waiting) or "all On Queue and Online"

        wait_until(ready, f"{agents} agent(s) On Queue and IDLE in Genesys Cloud and Online in Omni-Channel",
                   timeout, feed=EventFeed(control))
    finally:
        control.close()


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


# -- output -----------------------------------------------------------------------------------------------------
def table(phases: list[Phase]) -> str:
    head = f"{'':<56}" + "".join(f"| {p.medium + ' p50':>14} {'p99':>8} {'max':>8} " for p in phases)
    lines = [head, "-" * len(head)]
    for key, label in MEASURES:
        row = f"{label:<56}"
        for p in phases:
            s = p.summary()[key]
            row += "| " + (f"{s['p50']:>14.1f} {s['p99']:>8.1f} {s['max']:>8.1f} " if s else f"{'-':>14} {'-':>8} "
                                                                                             f"{'-':>8} ")
        lines.append(row)
    row = f"{'flows ok / lost / failed':<56}"
    for p in phases:
        c = p.counts()
        row += f"| {c['ok']:>14} {c['lost']:>8} {c['failed']:>8} "
    lines.append(row)
    row = f"{'seconds for the phase (1-min load before -> after)':<56}"
    for p in phases:
        row += f"| {p.seconds:>14.1f} {p.loadavg_before[0]:>8.2f} {p.loadavg_after[0]:>8.2f} "
    lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=50, help="flows per medium (default 50)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="flows in flight at once, one agent each (default 1: unloaded)")
    parser.add_argument("--media", nargs="+", choices=["chat", "messaging"], default=["chat", "messaging"])
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a flow waits for each step (default 20)")
    parser.add_argument("--connector", help="the connector command (default: python -m omni_harness.connectors.reference)")
    parser.add_argument("--json", help="also write the numbers, and every flow, to this file")
    args = parser.parse_args(argv)
    if args.flows < 1 or args.concurrency < 1:
        parser.error("--flows and --concurrency must be at least 1")

    agents = args.concurrency
    run_dir = Path(tempfile.mkdtemp(prefix="omni-harness-flow-latency-"))
    keep = False
    started = machine()
    # One agent, one chat queue pair and one messaging queue pair per worker; at least two of each, as seeded.
    world = World(seed=0, agents=max(2, agents), queues=max(2, agents))
    stack = start_stack(world, tls=True, workdir=run_dir / "stack")
    connector: ConnectorProcess | None = None
    platforms: Platforms | None = None
    phases: list[Phase] = []
    try:
        info = StackInfo.from_stack(stack, run_dir)
        info.env["CONNECTOR_STATE_DIR"] = str(stack.state_dir)
        info.write_sync_settings(("chat", "messaging"))
        connector = ConnectorProcess(args.connector, info.env, run_dir / "connector.log", cwd=ROOT)
        control = FakeControl(info.genesys_url, info.verify)
        try:
            since = control.last_seq()
            connector.start()
            empty_all_queues(info)  # while the connector boots: no seeded membership routes anything
            ready = connector.wait_ready(control, since, SETUP_TIMEOUT, READINESS_SIGNALS)
        finally:
            control.close()
        print(f"connector ready after {ready:.1f} s: {shlex.join(connector.command)}", flush=True)
        platforms = Platforms(info)
        go_on_queue(platforms, info, agents, SETUP_TIMEOUT)
        for name in args.media:
            medium = Medium(name)
            print(f"{name}: {args.flows} flows, {args.concurrency} at a time ...", flush=True)
            phase = run_phase(medium, make_slots(platforms, agents, medium), platforms, info, args.flows,
                              args.timeout)
            phases.append(phase)
            for f in phase.flows:
                if f.outcome != "ok":
                    keep = True
                    print(f"  flow {f.number} ({f.agent}) {f.outcome} at {f.stage}: {f.detail}", flush=True)
    except (ConnectorNotReady, WaitTimeout) as exc:
        keep = True
        print(f"could not set up: {exc}", file=sys.stderr)
        return 1
    finally:
        if platforms is not None:
            platforms.close()
        if connector is not None:
            connector.stop()
        stack.stop()
        if keep:
            print(f"connector log kept: {run_dir / 'connector.log'}", file=sys.stderr)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)

    print()
    command = shlex.join("python" if part == sys.executable else part for part in parse_command(args.connector))
    print(f"Flow latency through `{command}`: {args.flows} flows per medium, "
          f"{args.concurrency} at a time; milliseconds from the fakes' journal (stamped to the ms)")
    print(table(phases))
    if args.json:
        out = {"machine": started, "finishedLoadavg": [round(x, 2) for x in os.getloadavg()],
               "command": shlex.join([Path(sys.executable).name, *sys.argv]),
               "settings": {"flows": args.flows, "concurrency": args.concurrency, "media": args.media,
                            "timeout": args.timeout,
                            "connector": shlex.join(parse_command(args.connector))},
               "phases": {p.medium: {"seconds": p.seconds, "loadavgBefore": p.loadavg_before,
                                     "loadavgAfter": p.loadavg_after, "counts": p.counts(),
                                     "latenciesMs": p.summary(), "flows": [asdict(f) for f in p.flows]}
                          for p in phases}}
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0 if all(p.counts()["ok"] == len(p.flows) for p in phases) else 2


if __name__ == "__main__":
    raise SystemExit(main())
