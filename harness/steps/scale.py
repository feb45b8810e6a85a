"""Scale steps (SCALE-1): every agent of the pool at once, one chat each, through the whole documented flow.

The scenario runs alone and takes every slot of the pool; each agent is a member of one queue pair (round robin),
and each queue gets as many chats as it has members, all started at once. Latencies are read from the journal,
where both platforms stamp every change: the connector's share of each step, not the harness's polling.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from pytest_bdd import given, then, when

from omni_harness.harness import checks
from omni_harness.harness.actors import Agent, Customer, CustomerChat, same_sf_id, work_item_of
from omni_harness.harness.salesforce import soql_quote
from omni_harness.harness.scenario import ScaleRun, ScenarioContext, needed
from omni_harness.harness.waits import expect, wait_until

SCALE_TIMEOUT_FACTOR = 3  # the step time-out, times this: many chats go through one connector at once


def _timeout(ctx: ScenarioContext) -> float:
    return ctx.default_timeout * SCALE_TIMEOUT_FACTOR


def _run(ctx: ScenarioContext) -> ScaleRun:
    return needed(ctx.state.scale, "pool of agents On Queue")


def _agents(ctx: ScenarioContext) -> list[Agent]:
    return _run(ctx).agents


@given("every agent of the pool is On Queue in the client")
def given_every_agent_on_queue(ctx: ScenarioContext) -> None:
    agents = ctx.lease_every_slot()
    pairs = ctx.queue_pairs
    for index, agent in enumerate(agents):
        ctx.agent(agent.role)  # touched: the clean-up takes care of it
        pair = pairs[index % len(pairs)]
        if agent.person.genesys_user_id not in ctx.members.get(pair.genesys_id, set()):
            ctx.add_member(pair.genesys_id, agent)
    ctx.state.scale = ScaleRun(agents)
    for agent in agents:
        agent.client.set_presence("On Queue")

    def check():
        waiting = []
        for agent in agents:
            status = agent.client.routing_status()
            omni = agent.console.status()
            name = (omni or {}).get("statusApiName") or ctx.directory.omni_status_name((omni or {}).get("statusId"))
            if status != "IDLE" or name != "Online":
                waiting.append(f"{agent.role} {status}/{name or 'logged out'}")
        return not waiting, (f"{len(waiting)} of {len(agents)} not On Queue and Online: " + ", ".join(waiting)
                             if waiting else "all On Queue and Online")

    wait_until(check, f"all {len(agents)} agents to be On Queue and IDLE in the client and Online in Omni-Channel",
               _timeout(ctx))


@when("a customer starts a chat for every agent at once")
def when_chats_for_everyone(ctx: ScenarioContext) -> None:
    by_queue: dict[str, int] = {}
    for agent in _agents(ctx):
        for queue_id, members in ctx.members.items():
            if agent.person.genesys_user_id in members:
                by_queue[queue_id] = by_queue.get(queue_id, 0) + 1
    pairs = {p.genesys_id: p for p in ctx.queue_pairs}
    number = 0
    for queue_id, count in by_queue.items():
        for _ in range(count):
            number += 1
            label = f"chat {number}"
            customer = Customer(ctx.platforms.salesforce_control, f"Customer {number}", ctx.medium)
            ctx.chats[label] = customer.start_chat(label, pairs[queue_id].salesforce_developer_name)


def _offered(ctx: ScenarioContext, agents: list[Agent], chats: dict[str, CustomerChat], state: str):
    """Which chat each agent's client shows with the agent's leg in `state`."""

    def check():
        found: dict[str, tuple[str, str, str]] = {}
        for agent in agents:
            for conv in agent.client.chats():
                item = work_item_of(conv)
                label = next((lbl for lbl, c in chats.items() if same_sf_id(item, c.work_item_id)), None)
                p = agent.client.my_participant(conv)
                if label is not None and p is not None and p.get("state") == state:
                    found[agent.role] = (label, conv["id"], p["id"])
                    break
        labels = [v[0] for v in found.values()]
        missing = [a.role for a in agents if a.role not in found]
        if missing or len(set(labels)) != len(labels):
            return False, (f"{len(found)} of {len(agents)} agents have a chat {state} in the client "
                           f"(not: {', '.join(missing) or '-'}; chats shown twice: "
                           f"{len(labels) - len(set(labels))})")
        return True, "ok", found

    return check


@then("every chat alerts an agent's client with its Salesforce work item")
def then_every_chat_alerts(ctx: ScenarioContext) -> None:
    agents = _agents(ctx)
    found = wait_until(_offered(ctx, agents, ctx.chats, "alerting"),
                       f"each of the {len(ctx.chats)} chats to alert one agent's client with its work item",
                       _timeout(ctx))
    run = _run(ctx)
    for agent in agents:
        label, cid, pid = found[agent.role]
        ctx.remember_leg(agent, label, cid, pid)
        ctx.state.offered[agent.role] = label
        run.assigned[agent.role] = label


@when("every agent clicks Pick Up")
def when_everyone_picks_up(ctx: ScenarioContext) -> None:
    for agent in _agents(ctx):
        cid, pid = ctx.leg(agent, _run(ctx).assigned[agent.role])
        agent.client.pick_up(cid, pid)


def _works(ctx: ScenarioContext) -> dict[str, list[dict[str, Any]]]:
    ids = ", ".join(soql_quote(c.work_item_id) for c in ctx.chats.values())
    rows = ctx.platforms.salesforce.query(f"SELECT {checks.AGENT_WORK_FIELDS} FROM AgentWork WHERE WorkItemId IN "
                                          f"({ids}) ORDER BY CreatedDate", include_deleted=False)
    out: dict[str, list[dict[str, Any]]] = {}
    for label, chat in ctx.chats.items():
        out[label] = [r for r in rows if same_sf_id(r.get("WorkItemId"), chat.work_item_id)]
    return out


def _who(ctx: ScenarioContext, salesforce_user_id: str | None) -> str:
    person = ctx.directory.person_by_salesforce_id(salesforce_user_id or "")
    return person.name if person else str(salesforce_user_id)


def _works_in(ctx: ScenarioContext, status: str):
    """Every chat has exactly one AgentWork, of the agent who picked it up, in `status`."""

    def check():
        works = _works(ctx)
        wrong = []
        for agent in _agents(ctx):
            label = _run(ctx).assigned[agent.role]
            records = works.get(label, [])
            mine = [r for r in records if same_sf_id(r.get("UserId"), agent.person.salesforce_user_id)]
            if len(records) != 1 or len(mine) != 1 or mine[0].get("Status") != status:
                states = ", ".join(f"{r.get('Status')} for {_who(ctx, r.get('UserId'))}" for r in records) or "none"
                wrong.append(f"{label} of {agent.role}: {states}")
        return not wrong, (f"{len(wrong)} of {len(_agents(ctx))} not {status}: " + "; ".join(wrong[:6])
                           if wrong else f"all {status}")

    return check


@then("Omni-Channel opens every work item in the console of the agent who picked it up")
def then_every_work_opened(ctx: ScenarioContext) -> None:
    wait_until(_works_in(ctx, "Opened"), "one Opened AgentWork per chat, each for the agent who picked it up",
               _timeout(ctx))


@when("every agent clicks Disconnect in the client and completes wrap-up")
def when_everyone_disconnects(ctx: ScenarioContext) -> None:
    agents = _agents(ctx)
    for agent in agents:
        cid, pid = ctx.leg(agent, _run(ctx).assigned[agent.role])
        agent.client.disconnect(cid, pid)

    def wrapped():
        pending = []
        for agent in agents:
            cid, pid = ctx.leg(agent, _run(ctx).assigned[agent.role])
            conv = agent.client.conversation(cid)
            p = agent.client.my_participant(conv) or {}
            if p.get("state") != "disconnected" or not p.get("wrapupRequired"):
                pending.append(agent.role)
        return not pending, f"wrap-up not open yet for {', '.join(pending)}" if pending else "ok"

    wait_until(wrapped, "the wrap-up window to open for every agent", _timeout(ctx))
    for agent in agents:
        cid, pid = ctx.leg(agent, _run(ctx).assigned[agent.role])
        codes = agent.client.wrapup_codes(cid, pid)
        agent.client.wrap_up(cid, pid, codes[0]["id"], "scale")


@then("Omni-Channel closes every work item and every agent is ready for the next interaction")
def then_every_work_closed(ctx: ScenarioContext) -> None:
    wait_until(_works_in(ctx, "Closed"), "every chat's AgentWork to be Closed", _timeout(ctx))
    agents = _agents(ctx)

    def idle():
        busy = [f"{a.role} {s}" for a in agents if (s := a.client.routing_status()) != "IDLE"]
        return not busy, f"not IDLE: {', '.join(busy)}" if busy else "all IDLE"

    wait_until(idle, "every agent to be IDLE (routable) again", _timeout(ctx))


# -- latencies ---------------------------------------------------------------------------------------
def _when(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(entry["time"]).replace("Z", "+00:00"))


def _ms(start: dict[str, Any] | None, end: dict[str, Any] | None) -> float | None:
    if start is None or end is None:
        return None
    return round((_when(end) - _when(start)).total_seconds() * 1000, 1)


def stats(values: list[float]) -> dict[str, Any]:
    """count, median, 95th percentile and max of a list of milliseconds."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"count": len(ordered), "medianMs": round(statistics.median(ordered), 1), "p95Ms": p95,
            "maxMs": ordered[-1]}


def latencies(ctx: ScenarioContext, entries: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per flow, from the journal: On Queue -> Online, routing request -> alert, Pick Up -> AgentWork Opened,
    Disconnect -> AgentWork Closed."""
    agents = _agents(ctx)
    by_sf = {a.person.salesforce_user_id: a for a in agents}
    by_gc = {a.person.genesys_user_id: a for a in agents}
    first: dict[tuple, dict[str, Any]] = {}

    def note(key: tuple, entry: dict[str, Any]) -> None:
        first.setdefault(key, entry)

    items = {c.work_item_id[:15]: label for label, c in ctx.chats.items()}
    for e in entries:
        if e.get("kind") != "event":
            continue
        d = e.get("data") or {}
        type_ = e.get("type")
        if type_ == "user.presence" and d.get("systemPresence") == "On Queue" and d.get("userId") in by_gc:
            note(("on_queue", by_gc[d["userId"]].role), e)
        elif type_ == "console.presence" and d.get("statusDeveloperName") == "Online" and d.get("userId") in by_sf:
            note(("online", by_sf[d["userId"]].role), e)
        elif type_ == "sobject.change":
            record = d.get("record") or {}
            label = items.get(str(record.get("WorkItemId") or "")[:15])
            if label is None:
                continue
            if d.get("entity") == "PendingServiceRouting" and d.get("changeType") == "CREATE":
                note(("routing", label), e)
            elif d.get("entity") == "AgentWork" and record.get("Status") in ("Opened", "Closed"):
                note((record["Status"].lower(), label), e)
        elif type_ == "conversation.changed" and d.get("userId") in by_gc:
            role = by_gc[d["userId"]].role
            if d.get("state") in ("alerting", "connected", "disconnected"):
                note((d["state"], role), e)
    out: dict[str, list[float]] = {"presenceOnline": [], "routedToAlert": [], "pickUpToOpened": [],
                                   "disconnectToClosed": []}
    for agent in agents:
        label = _run(ctx).assigned[agent.role]
        pairs = {"presenceOnline": (("on_queue", agent.role), ("online", agent.role)),
                 "routedToAlert": (("routing", label), ("alerting", agent.role)),
                 "pickUpToOpened": (("connected", agent.role), ("opened", label)),
                 "disconnectToClosed": (("disconnected", agent.role), ("closed", label))}
        for name, (a, b) in pairs.items():
            value = _ms(first.get(a), first.get(b))
            if value is not None:
                out[name].append(value)
    return out


@then("the connector's latencies are reported")
def then_latencies_reported(ctx: ScenarioContext) -> None:
    entries = ctx.platforms.genesys_control.journal(since=ctx.start_seq)
    measured = latencies(ctx, entries)
    flows = len(_agents(ctx))
    missing = {name: flows - len(values) for name, values in measured.items() if len(values) != flows}
    expect(not missing, f"a latency for each of the {flows} flows from the journal",
           "missing: " + ", ".join(f"{name} {count}" for name, count in missing.items()), requirement="SCALE-1")
    ctx.record.metrics = {"agents": flows, "chats": len(ctx.chats),
                          "wallSeconds": round(ctx.duration, 2),
                          **{name: stats(values) for name, values in measured.items()}}
