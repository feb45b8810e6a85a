"""Checks a Genesys fake response against contracts/genesys: the route's response schema, or ErrorBody for errors."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from omni_harness import contracts

from . import spec_for


class ContractViolation(AssertionError):
    """A response body that does not match its contract; the message names the route and the mismatch."""


def _decode(body: bytes | str | Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if isinstance(body, str):
        return json.loads(body) if body.strip() else None
    return body


def check_response(app: Flask, method: str, path: str, status: int, body: bytes | str | Any) -> str | None:
    """Validate one response; returns the schema name used (None when the route is not the Platform API's, e.g. the
    control API). Raises ContractViolation when it does not fit."""
    method = method.upper()
    if path.startswith("/_fake/"):
        if path == "/_fake/tokens" and status == 200:
            return _validate("oauth-token", _decode(body), method, path, status)
        return None
    found = spec_for(app, method, path)
    spec = found[0] if found else None
    if spec is None and path.startswith("/api/v2/notifications"):
        return None  # an unknown notification path: the notification tests check those answers themselves
    try:
        value = _decode(body)
    except ValueError as exc:
        raise ContractViolation(f"{method} {path} -> {status}: body is not JSON: {exc}") from exc
    if status >= 400:
        name = "oauth-error" if path == "/oauth/token" and status in (400, 401) else "error"
        return _validate(name, value, method, path, status)
    if spec is None:
        raise ContractViolation(f"{method} {path} -> {status}: no route of the Genesys fake serves it")
    if status != spec.status:
        raise ContractViolation(f"{method} {path}: status {status}, the route answers {spec.status}")
    if spec.response is None:
        if value not in (None, ""):
            raise ContractViolation(f"{method} {path} -> {status}: expected an empty body, got {value!r}")
        return None
    return _validate(spec.response, value, method, path, status)


def _validate(name: str, value: Any, method: str, path: str, status: int) -> str:
    try:
        contracts.validate("genesys", name, value)
    except contracts.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ContractViolation(f"{method} {path} -> {status} does not match {name}.json at {where}: "
                                f"{exc.message}") from exc
    return name


TOPIC_SCHEMAS = (
    (".conversations.chats", "event-chat-conversation"),
    (".conversations.messages", "event-message-conversation"),
    (".conversations", "event-conversation"),
    (".presence", "event-user-presence"),
    (".routingStatus", "event-user-routing-status"),
    (".activity", "event-user-activity"),
)


def topic_schema(topic_name: str) -> str | None:
    """The event body schema of a topic the model emits (by the topic's suffix)."""
    for suffix, name in TOPIC_SCHEMAS:
        if topic_name.endswith(suffix):
            return name
    return None


def check_event(event_type: str, data: dict[str, Any]) -> None:
    """Validate one model journal event (`journal-event.json`) and every topic body it carries."""
    try:
        contracts.validate("genesys", "journal-event", {"type": event_type, "data": data})
    except contracts.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ContractViolation(f"event {event_type} does not match journal-event.json at {where}: {exc.message}") from exc
    for delivery in data.get("topics", []):
        name = topic_schema(delivery["topicName"])
        if name is None:
            raise ContractViolation(f"event {event_type}: no schema for topic {delivery['topicName']}")
        try:
            contracts.validate("genesys", name, delivery["eventBody"])
        except contracts.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            raise ContractViolation(f"event {event_type}: {delivery['topicName']} body does not match {name}.json "
                                    f"at {where}: {exc.message}") from exc
