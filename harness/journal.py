"""Journal slices: the entries of the world's journal that concern one scenario, as a readable timeline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_LINES = 40


def mentions(entry: dict[str, Any], needles: Iterable[str]) -> bool:
    """True when the entry names one of the scenario's ids (users, queues, work items, conversations, requests)."""
    text = json.dumps(entry.get("data", {}), separators=(",", ":"))
    cid = entry.get("correlationId") or ""
    for needle in needles:
        if needle and (needle in text or needle == cid):
            return True
    return False


def slice_entries(entries: Iterable[dict[str, Any]], needles: Iterable[str]) -> list[dict[str, Any]]:
    wanted = [n for n in needles if n]
    return [e for e in entries if mentions(e, wanted)]


def _time(entry: dict[str, Any]) -> str:
    value = entry.get("time", "")
    return value[11:23] if len(value) >= 23 else value


def _fields(record: dict[str, Any], names: Iterable[str]) -> str:
    parts = []
    for name in names:
        if name in record and record[name] is not None:
            parts.append(f"{name}={record[name]}")
    return " ".join(parts)


def describe_entry(entry: dict[str, Any], harness_ids: set[str] | None = None) -> str:
    """One line per entry: sequence, time, platform, and what happened."""
    head = f"#{entry.get('seq')} {_time(entry)} {entry.get('source', ''):<10}"
    return f"{head} {describe_what(entry, harness_ids)}"


def describe_what(entry: dict[str, Any], harness_ids: set[str] | None = None) -> str:
    """What happened in one entry, without its sequence, time and platform."""
    data = entry.get("data", {}) or {}
    if entry.get("kind") == "request":
        who = "harness" if harness_ids and entry.get("correlationId") in harness_ids else _actor(data.get("actor"))
        line = f"{data.get('method')} {data.get('path')}"
        if data.get("query"):
            line += f"?{data['query']}"
        line += f" -> {data.get('status')} [{who}]"
        if (data.get("status") or 0) >= 400 and data.get("responseBody") is not None:
            line += f" {json.dumps(data['responseBody'])[:200]}"
        return line
    type_ = entry.get("type", "")
    if type_ == "sobject.change":
        record = data.get("record") or {}
        changed = [f for f in data.get("changedFields", []) if f not in ("LastModifiedDate", "SystemModstamp")]
        detail = _fields(record, [f for f in ("Status", "UserId", "WorkItemId", "IsPushed", "IsTransfer",
                                               "ServicePresenceStatusId", "IsCurrentState", "OwnerId")
                                  if f in changed or data.get("changeType") in ("CREATE", "DELETE")])
        return f"{data.get('entity')} {data.get('changeType')} {data.get('recordId')} {detail}".rstrip()
    if type_ == "conversation.changed":
        return (f"conversation {data.get('conversationId')} {data.get('change')} "
                f"user={data.get('userId')} state={data.get('state')}"
                + (f" disconnectType={data['disconnectType']}" if data.get("disconnectType") else ""))
    compact = {k: v for k, v in data.items() if k not in ("topics", "conversation", "record")}
    return f"{type_} {json.dumps(compact, separators=(',', ':'))[:200]}"


def _actor(actor: Any) -> str:
    if isinstance(actor, dict):
        return ":".join(str(v) for v in actor.values() if v)
    return str(actor or "anonymous")


def timeline(entries: list[dict[str, Any]], harness_ids: set[str] | None = None, limit: int = MAX_LINES) -> str:
    if not entries:
        return ""
    shown = entries[-limit:]
    head = (f"Journal of this scenario ({len(entries)} entries"
            + (f", last {len(shown)} shown" if len(shown) < len(entries) else "") + "):")
    return "\n".join([head] + ["  " + describe_entry(e, harness_ids) for e in shown])


@dataclass(frozen=True)
class Mark:
    """Something that happened, at its place in the world's journal (both platforms share one sequence)."""

    seq: int
    what: str

    @classmethod
    def of(cls, entry: dict[str, Any], what: str | None = None) -> Mark:
        return cls(int(entry.get("seq") or 0), what if what is not None else describe_what(entry))

    def __str__(self) -> str:
        return f"#{self.seq} {self.what}"


def at_or_before(marks: Iterable[Mark], boundary: Mark) -> list[Mark]:
    """The marks that did not come after `boundary`, in journal order: what happened before B, or with it."""
    return sorted((m for m in marks if m.seq <= boundary.seq), key=lambda m: m.seq)
