"""Checks a Salesforce fake response (and accepted request body) against contracts/salesforce.

The schema names come from the route specs (`routes/__init__.py`); tests and the harness call
`check_response(app, method, path, status, body)` on every response they see.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from omni_harness import contracts

from . import spec_for

# Bodies that carry JSON text of their own, and the schema of that text.
NESTED_JSON = {
    "console-getAgentWorks-answer": ("works", "console-agent-works"),
    "console-setServicePresenceStatus-answer": ("channels", "console-channels"),
    "console-getServicePresenceStatusChannels-answer": ("channels", "console-channels"),
}
# Error bodies of paths no route serves (the app's 404 / 405 in the platform's shape).
UNROUTED_ERRORS = (("/services/data", "error"), ("/omni-toolkit", "error"), ("/services/oauth2/token", "oauth-token-error"),
                   ("/_fake/customers", "control-error"), ("/_fake/tokens", "control-error"))
EVENT_SCHEMAS = {"sobject.change": "event-sobject-change", "console.tab": "event-console-tab",
                 "console.presence": "event-console-presence", "chat.message": "event-chat-message"}


def _canonical(name: str) -> str:
    """A contract name as contracts/salesforce spells it (`record-agentwork` is `record-AgentWork`)."""
    for candidate in contracts.names("salesforce"):
        if candidate.lower() == name.lower():
            return candidate
    return name


def _decode(body: bytes | str | None) -> Any:
    text = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
    return json.loads(text) if text.strip() else {}


def schema_for(app: Flask, method: str, path: str, status: int) -> str | None:
    """The contract name of a response, or None when the body is empty or owned elsewhere (control, SOAP)."""
    if status == 204:
        return None
    if path.rstrip("/") == "/_fake/tokens" and status < 400:
        return "oauth-token-response"
    found = spec_for(app, method, path)
    if status >= 400:
        if found is not None:
            return found[0].error
        return next((name for prefix, name in UNROUTED_ERRORS if path.startswith(prefix)), None)
    if found is None:
        return None
    spec, view_args = found
    _, response = spec.schemas(view_args)
    return None if response is None else _canonical(response)


def check_response(app: Flask, method: str, path: str, status: int, body: bytes | str | None) -> str | None:
    """Validate a response body; returns the contract used (None when none applies). Raises on a mismatch."""
    name = schema_for(app, method, path, status)
    if name is None:
        if status == 204:
            assert not body, f"{method} {path}: 204 with a body"
        return None
    found = spec_for(app, method, path)
    if found is not None and status < 400:
        assert status == found[0].status, f"{method} {path}: status {status}, the route answers {found[0].status}"
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        instance: Any = json.loads(text or "")
    except ValueError as exc:
        raise AssertionError(f"{method} {path} ({status}): body is not JSON: {text!r}") from exc
    contracts.validate("salesforce", name, instance)
    if name in NESTED_JSON:
        key, nested = NESTED_JSON[name]
        contracts.validate("salesforce", nested, json.loads(instance[key]))
    return name


def check_request(app: Flask, method: str, path: str, body: bytes | str | None) -> str | None:
    """Validate the JSON body of an accepted console bridge or customer request (an empty body is `{}`)."""
    found = spec_for(app, method, path)
    if found is None or method != "POST":
        return None
    spec, view_args = found
    request, _ = spec.schemas(view_args)
    if request is None:
        return None
    contracts.validate("salesforce", request, _decode(body))
    return request


def check_event(entry_type: str, data: dict[str, Any]) -> str | None:
    """Validate the data of one journal event of the org (its own event types; others' are skipped)."""
    name = EVENT_SCHEMAS.get(entry_type)
    if name is not None:
        contracts.validate("salesforce", name, data)
    return name
