"""Fault engine: rules that make a fake misbehave on purpose (error replies, latency, event and socket faults)."""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class FaultAction(StrEnum):
    RESPOND = "respond"  # answer with status/body/headers instead of the real handler
    LATENCY = "latency"  # delay the request, then handle it normally
    DROP_EVENT = "drop_event"  # an outgoing notification / streaming event is not delivered
    DUPLICATE_EVENT = "duplicate_event"  # delivered twice
    DELAY_EVENT = "delay_event"  # delivered after latencySeconds
    CLOSE_SOCKET = "close_socket"  # the next matching long-lived connection is closed by the server
    EXPIRE_TOKENS = "expire_tokens"  # applied at once: every token issued so far expires


REQUEST_ACTIONS = {FaultAction.RESPOND, FaultAction.LATENCY}
EVENT_ACTIONS = {FaultAction.DROP_EVENT, FaultAction.DUPLICATE_EVENT, FaultAction.DELAY_EVENT}


class FaultRuleError(ValueError):
    """A rule that cannot be installed; the message says which field is wrong."""


@dataclass
class FaultRule:
    """One rule. `path` is a glob (`/api/v2/users/*`) or, prefixed `re:`, a regular expression.

    For event actions `path` matches the event's channel or topic name (`v2.users.*.conversations.chats`,
    `/data/AgentWorkChangeEvent`). `count` limits how many times it fires (None = unlimited);
    `probability` (0..1) makes it fire at random, from the fake's seeded generator.
    """

    id: str
    action: FaultAction = FaultAction.RESPOND
    method: str = "*"
    path: str = "*"
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latencySeconds: float = 0.0
    count: int | None = None
    probability: float = 1.0
    fired: int = 0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["action"] = str(self.action)
        return out

    def matches_path(self, value: str) -> bool:
        if self.path.startswith("re:"):
            return re.search(self.path[3:], value) is not None
        return fnmatch.fnmatchcase(value, self.path)


class FaultEngine:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)
        self._next = 1
        self._on_add: list[Callable[[FaultRule], None]] = []
        # Credentials (bearer tokens, session ids) the fake has issued or accepted, and those an
        # expire_tokens rule expired, with the rule: a later 401 for one of them is that rule's doing.
        self._credentials: set[str] = set()
        self._expired_by: dict[str, str] = {}

    # -- credentials an expire_tokens rule expired --------------------------------------------------------
    def note_credential(self, credential: str) -> None:
        """A credential issued or accepted: an expire_tokens rule added later expires it."""
        if credential:
            with self._lock:
                self._credentials.add(credential)

    def expire(self, spec: dict[str, Any] | None = None) -> FaultRule:
        """Records an expire_tokens rule (the fake expires its tokens itself): every credential seen so far is
        remembered as expired by it, so the 401s it causes name it (`caused_by`)."""
        spec = dict(spec or {})
        with self._lock:
            rule = FaultRule(id=str(spec.get("id") or f"fault-{self._next}"), action=FaultAction.EXPIRE_TOKENS,
                             count=1, fired=1)
            self._next += 1
            for credential in self._credentials:
                self._expired_by[credential] = rule.id
            self._credentials.clear()
        return rule

    def caused_by(self, credential: str | None) -> str | None:
        """The expire_tokens rule that expired this credential, if one did."""
        if not credential:
            return None
        with self._lock:
            return self._expired_by.get(credential)

    def add_listener(self, callback: Callable[[FaultRule], None]) -> None:
        """Call `callback(rule)` after each rule is added, so a fault that acts at once (closing a
        socket that is already open) need not wait for traffic to notice it."""
        with self._lock:
            self._on_add.append(callback)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        if not isinstance(spec, dict):
            raise FaultRuleError("a fault rule is a JSON object")
        try:
            action = FaultAction(spec.get("action", "respond"))
        except ValueError as exc:
            raise FaultRuleError(f"action must be one of {[a.value for a in FaultAction]}") from exc
        count = spec.get("count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise FaultRuleError("count must be a positive integer or null")
        probability = spec.get("probability", 1.0)
        if not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
            raise FaultRuleError("probability must be a number from 0 to 1")
        latency = spec.get("latencySeconds", 0.0)
        if not isinstance(latency, (int, float)) or latency < 0:
            raise FaultRuleError("latencySeconds must be a non-negative number")
        status = spec.get("status", 500)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise FaultRuleError("status must be an HTTP status code")
        headers = spec.get("headers", {}) or {}
        if not isinstance(headers, dict) or not all(isinstance(v, (str, int)) for v in headers.values()):
            raise FaultRuleError("headers must be an object of strings")
        path = spec.get("path", "*")
        if not isinstance(path, str):
            raise FaultRuleError("path must be a string")
        if path.startswith("re:"):
            try:
                re.compile(path[3:])
            except re.error as exc:
                raise FaultRuleError(f"path is not a valid regular expression: {exc}") from exc
        with self._lock:
            rule = FaultRule(
                id=str(spec.get("id") or f"fault-{self._next}"),
                action=action,
                method=str(spec.get("method", "*")).upper(),
                path=path,
                status=status,
                body=spec.get("body"),
                headers={k: str(v) for k, v in headers.items()},
                latencySeconds=float(latency),
                count=count,
                probability=float(probability),
            )
            self._next += 1
            self._rules.append(rule)
            listeners = list(self._on_add)
        for callback in listeners:
            try:
                callback(rule)
            except Exception:  # a broken listener must not refuse the rule
                import logging

                logging.getLogger(__name__).exception("fault listener failed")
        return rule

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self, rule_id: str | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            if rule_id is None:
                self._rules.clear()
            else:
                self._rules = [r for r in self._rules if r.id != rule_id]
            return before - len(self._rules)

    def _take(self, actions: set[FaultAction], method: str, name: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.action not in actions:
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.method not in ("*", method.upper()):
                    continue
                if not rule.matches_path(name):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None

    def match_request(self, method: str, path: str) -> FaultRule | None:
        """The first request rule that fires for this request, counted as fired."""
        return self._take(REQUEST_ACTIONS, method, path)

    def match_event(self, name: str) -> FaultRule | None:
        """The first event rule (drop / duplicate / delay) that fires for this channel or topic."""
        return self._take(EVENT_ACTIONS, "*", name)

    def match_socket_close(self, name: str) -> FaultRule | None:
        return self._take({FaultAction.CLOSE_SOCKET}, "*", name)
