"""Which contract (contracts/salesforce/) describes a response of the Salesforce fake, and a check against it.

Tests and the harness call `check_response(method, path, status, body)` on every response they see.
"""

from __future__ import annotations

import json
import re
from typing import Any

import contracts

_V = r"/services/data/v[0-9]{2}\.0"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/services/data/?$"), "versions"),
    ("GET", re.compile(rf"^{_V}/?$"), "resources"),
    ("GET", re.compile(rf"^{_V}/limits/?$"), "limits"),
    ("GET", re.compile(rf"^{_V}/sobjects/?$"), "describe-global"),
    ("GET", re.compile(rf"^{_V}/sobjects/[^/]+/describe/?$"), "describe-sobject"),
    ("GET", re.compile(rf"^{_V}/sobjects/[^/]+/?$"), "sobject-info"),
    ("POST", re.compile(rf"^{_V}/sobjects/[^/]+/?$"), "create-result"),
    ("GET", re.compile(rf"^{_V}/sobjects/(?P<type>[^/]+)/(Id/)?[^/]+/?$"), "record-{type}"),
    ("GET", re.compile(rf"^{_V}/query(All)?(/[^/]*)?$"), "query-result"),
    ("POST", re.compile(r"^/omni-toolkit/v1/users/[^/]+/(?P<method>[^/]+)/?$"), "console-{method}-answer"),
    ("POST", re.compile(r"^/_fake/customers/chats/?$"), "customer-chat-created"),
    ("GET", re.compile(r"^/_fake/customers/chats/[^/]+/?$"), "customer-chat"),
    ("POST", re.compile(r"^/_fake/customers/chats/[^/]+/messages/?$"), "customer-message-answer"),
    ("POST", re.compile(r"^/_fake/customers/chats/[^/]+/leave/?$"), "customer-leave-answer"),
    ("POST", re.compile(r"^/_fake/tokens/?$"), "oauth-token-response"),
    ("POST", re.compile(r"^/services/oauth2/token/?$"), "oauth-token-response"),
]


def _canonical_type(name: str) -> str:
    for candidate in contracts.names("salesforce"):
        if candidate.lower() == f"record-{name}".lower():
            return candidate
    return f"record-{name}"


def schema_for(method: str, path: str, status: int) -> str | None:
    """The contract name of a response, or None when the body is empty or owned elsewhere (CometD, control)."""
    if status == 204:
        return None
    if status >= 400:
        if path.startswith(("/services/data", "/omni-toolkit")):
            return "error"
        if path.startswith("/services/oauth2/token"):
            return "oauth-token-error"
        if path.startswith("/_fake/customers") or path.startswith("/_fake/tokens"):
            return "control-error"
        return None
    for route_method, pattern, name in _ROUTES:
        match = pattern.match(path)
        if route_method == method and match:
            groups = match.groupdict()
            if "type" in groups and groups["type"]:
                if groups["type"] == "describe":
                    continue
                return _canonical_type(groups["type"])
            return name.format(**groups)
    return None


def check_response(method: str, path: str, status: int, body: bytes | str | None) -> str | None:
    """Validate a response body; returns the contract used (None when none applies). Raises on a mismatch."""
    name = schema_for(method, path, status)
    if name is None:
        if status == 204:
            assert not body, f"{method} {path}: 204 with a body"
        return None
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        instance: Any = json.loads(text or "")
    except ValueError as exc:
        raise AssertionError(f"{method} {path} ({status}): body is not JSON: {text!r}") from exc
    contracts.validate("salesforce", name, instance)
    if name == "console-getAgentWorks-answer":
        contracts.validate("salesforce", "console-agent-works", json.loads(instance["works"]))
    if name in ("console-setServicePresenceStatus-answer", "console-getServicePresenceStatusChannels-answer"):
        contracts.validate("salesforce", "console-channels", json.loads(instance["channels"]))
    return name


_REQUESTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/omni-toolkit/v1/users/[^/]+/(?P<method>[^/]+)/?$"), "console-{method}-request"),
    (re.compile(r"^/_fake/customers/chats/?$"), "customer-chat-request"),
    (re.compile(r"^/_fake/customers/chats/[^/]+/messages/?$"), "customer-message-request"),
]


def check_request(method: str, path: str, body: bytes | str | None) -> str | None:
    """Validate the JSON body of an accepted console bridge or customer request (an empty body is `{}`)."""
    if method != "POST":
        return None
    for pattern, name in _REQUESTS:
        match = pattern.match(path)
        if match:
            text = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
            instance = json.loads(text) if text.strip() else {}
            schema = name.format(**match.groupdict())
            contracts.validate("salesforce", schema, instance)
            return schema
    return None


def check_event(entry_type: str, data: dict[str, Any]) -> str | None:
    """Validate the data of one journal event of the org (its own event types; others' are skipped)."""
    name = {"sobject.change": "event-sobject-change", "console.tab": "event-console-tab",
            "console.presence": "event-console-presence", "chat.message": "event-chat-message"}.get(entry_type)
    if name is not None:
        contracts.validate("salesforce", name, data)
    return name
