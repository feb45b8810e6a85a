"""Failures grouped by root cause: several scenarios that fail the same way are one finding, said once.

Two scenarios fail the same way when they stop at the same step waiting for the same thing (names of agents,
chats and ids aside), or when the connector was never ready. Each cause names the requirements it took down
and, when the expectation says which, the call the connector was expected to make and on which platform.
Works on scenarios.json entries, so the terminal and report.html group alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .media import split_key, verdict_key
from .requirements import catalogue

# An agent's label "Alice (Megan Chang)", record ids, chat labels: what differs between two scenarios'
# otherwise identical expectations.
_PERSON = re.compile(r" \([A-Z][\w'.-]*(?: [A-Z][\w'.-]*)+\)")
_IDS = re.compile(r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-Za-z]{15,18})\b")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
EXCEPTION_PREFIX = re.compile(r"^(?:[a-z_]\w*\.)+[A-Z]\w*: ")  # "omni_harness.harness.waits.WaitTimeout: " before the message

# What the connector was expected to do, by what the failed step waited for (first match wins).
EXPECTED_CALLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"genesys interaction|alert|offer|to be connected in", re.I),
     "raise the Genesys interaction for the routing request: POST /api/v2/conversations/chats on Genesys Cloud"),
    (re.compile(r"omni-channel status|userservicepresence|leave online", re.I),
     "set the agent's Omni-Channel status: POST /omni-toolkit/v1/users/{userId}/setServicePresenceStatus (the "
     "console's Omni-Channel toolkit) on Salesforce"),
    (re.compile(r"agentwork .*(opened|assigned)|console to show", re.I),
     "create the agent's work item: POST /services/data/vNN.N/sobjects/AgentWork, then "
     "POST /omni-toolkit/v1/users/{userId}/acceptAgentWork, on Salesforce"),
    (re.compile(r"agentwork .*(closed|declined)|no longer show", re.I),
     "close the agent's work item: POST /omni-toolkit/v1/users/{userId}/closeAgentWork on Salesforce"),
    (re.compile(r"disconnected in|missed alert|to end", re.I),
     "disconnect the agent's leg: PATCH /api/v2/conversations/chats/{id}/participants/{id} on Genesys Cloud"),
    (re.compile(r"notification socket", re.I),
     "open the notification socket again: the channel's connectUri on Genesys Cloud"),
)


@dataclass
class RootCause:
    """One way of failing, and every scenario that failed that way."""

    step: str  # the step the scenarios stopped at
    expectation: str  # what it waited for (of the first scenario)
    message: str  # the first line of the first scenario's message
    scenarios: list[str] = field(default_factory=list)  # scenario names
    nodeids: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    call: str | None = None  # the call the connector was expected to make, with its platform
    readiness: bool = False  # the connector was never ready

    @property
    def shared(self) -> bool:
        return len(self.scenarios) > 1 or self.readiness

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "expectation": self.expectation, "message": self.message,
                "scenarios": self.scenarios, "requirements": self.requirements, "call": self.call,
                "readiness": self.readiness}


def normalize(text: str) -> str:
    """The text with what differs between two scenarios (people, ids, numbers) taken out."""
    return _NUMBERS.sub("#", _IDS.sub("<id>", _PERSON.sub("", text or ""))).strip()


# On messaging the Genesys side of the same calls is an Open Messaging conversation (DESIGN §4.7).
MESSAGING_CALLS = {
    "POST /api/v2/conversations/chats": "POST /api/v2/conversations/messages/{integrationId}/inbound/open/message",
    "/api/v2/conversations/chats/": "/api/v2/conversations/messages/",
}


def expected_call(*texts: str, medium: str = "chat") -> str | None:
    joined = " ".join(t for t in texts if t)
    for pattern, call in EXPECTED_CALLS:
        if pattern.search(joined):
            if medium == "messaging":
                for chat, message in MESSAGING_CALLS.items():
                    call = call.replace(chat, message)
            return call
    return None


def _first_line(text: str) -> str:
    lines = (text or "").strip().splitlines()
    return EXCEPTION_PREFIX.sub("", lines[0], count=1) if lines else ""


def group(scenarios: list[dict[str, Any]], startup_error: str | None = None,
          not_ready: list[str] | None = None) -> list[RootCause]:
    """Root causes, largest first: the readiness gap (when the connector was never ready, taking down
    `not_ready`), then one per (step, expectation) the failed scenarios share."""
    causes: list[RootCause] = []
    if startup_error:
        missing = startup_error.split("Still missing: ", 1)
        call = missing[1].splitlines()[0] if len(missing) > 1 else None
        causes.append(RootCause("(before the first step: the connector was not ready)", "",
                                _first_line(startup_error), [], [], sorted(not_ready or []), call, readiness=True))
    by_key: dict[tuple[str, str, str], RootCause] = {}
    for s in scenarios:
        if s.get("outcome") not in ("failed", "error"):
            continue
        step = s.get("failed_step") or "(set-up or clean-up)"
        expectation = s.get("expectation") or ""
        message = _first_line(s.get("message") or "")
        medium = s.get("medium") or "chat"
        key = (normalize(step), normalize(expectation or message), medium)
        cause = by_key.get(key)
        if cause is None:
            cause = RootCause(step, expectation, message,
                              call=expected_call(expectation, step, medium=medium) if expectation or step else None)
            by_key[key] = cause
            causes.append(cause)
        cause.scenarios.append(f"{s.get('name') or s.get('nodeid', '')} [{medium}]")
        cause.nodeids.append(s.get("nodeid", ""))
        for rid in s.get("requirements") or []:
            vkey = verdict_key(rid, medium)
            if vkey not in cause.requirements:
                cause.requirements.append(vkey)
    order = list(catalogue())
    for c in causes:
        c.requirements.sort(key=lambda k: order.index(split_key(k)[0]) if split_key(k)[0] in order else len(order))
    causes.sort(key=lambda c: (not c.readiness, -len(c.scenarios)))
    return causes
