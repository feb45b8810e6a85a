"""Control API `/_fake/`: a local tool's back door (health, reset, seed, state, journal, events, clock, faults, tokens)."""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, jsonify, request

from .errors import ControlError
from .faults import FaultAction, FaultRuleError

if TYPE_CHECKING:
    from .world import Fake

MAX_WAIT_SECONDS = 30.0


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_json(data: bytes) -> Any:
    """Strict JSON: NaN and Infinity are refused (Python's parser takes them; no platform's does)."""
    return json.loads(data, parse_constant=_refuse_constant)


def _json_body(required: bool = False) -> Any:
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise ControlError("a JSON body is required")
        return {}
    try:
        return parse_json(data)
    except ValueError as exc:
        raise ControlError(f"the body is not valid JSON: {exc}") from exc


def hostname(value: str) -> str:
    """The host part of a `Host` header or an origin (`[::1]:8080` -> `::1`), lower case."""
    value = value.split("://", 1)[-1].split("/", 1)[0]
    if value.startswith("["):
        return value[1:].split("]", 1)[0].lower()
    return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


def is_local_host(host: str, served: set[str] | frozenset[str] = frozenset()) -> bool:
    """A `Host` a local tool may answer: localhost, an IP literal (a DNS-rebinding page arrives under a name), or a
    name it is served under."""
    if host == "localhost" or host.endswith(".localhost") or host in served:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def guard_control_request(fake: Fake) -> None:
    """The control API has no credential (a local tool), so it refuses what only a web page would send.

    - a `Host` that is a DNS name other than localhost or a name the fake is served under: a DNS-rebinding page;
    - an `Origin` (browsers send it on every cross-origin POST, and with `fetch`) of another host;
    - a body that is not `application/json`: an HTML form or a `text/plain` beacon can be sent cross-site without
      a preflight, `application/json` cannot.
    """
    host = hostname(request.host or "")
    if not is_local_host(host, {hostname(url) for url in fake.urls.values()}):
        raise ControlError(f"the control API answers only on its own address, not Host {request.host!r}",
                           status=403, error="forbidden")
    origin = request.headers.get("Origin")
    if origin is not None and hostname(origin) != host:
        raise ControlError(f"the control API refuses cross-origin requests (Origin {origin!r})", status=403,
                           error="forbidden")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
        if (request.mimetype or has_body) and request.mimetype != "application/json":
            raise ControlError(f"the control API takes application/json bodies only, not {request.mimetype or 'none'!r}",
                               status=415, error="unsupported_media_type")


def _int_arg(name: str, default: int, minimum: int = 0) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ControlError(f"{name} must be an integer, not {raw!r}") from exc
    if value < minimum:
        raise ControlError(f"{name} must be at least {minimum}")
    return value


def _float_arg(name: str, default: float) -> float:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ControlError(f"{name} must be a number, not {raw!r}") from exc


def make_control_blueprint(fake: Fake) -> Blueprint:
    bp = Blueprint(f"{fake.name}_control", __name__)
    world = fake.world

    @bp.get("/health")
    def health():
        return jsonify({"status": "ok", "fake": fake.name, "seed": world.plan.seed,
                        "agents": world.plan.agents, "lastSeq": world.journal.last_seq})

    @bp.post("/reset")
    def reset():
        world.reset()
        return jsonify({"status": "reset", "seed": world.plan.seed, "lastSeq": world.journal.last_seq})

    @bp.post("/seed")
    def seed():
        body = _json_body()
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        args: dict[str, int | None] = {}
        for key, minimum in (("seed", 0), ("agents", 1), ("queues", 1)):
            value = body.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < minimum):
                raise ControlError(f"{key} must be an integer of at least {minimum}")
            args[key] = value
        plan = world.reseed(**args)
        return jsonify(plan.to_json())

    @bp.get("/state")
    def state():
        with fake.lock:
            return jsonify({"fake": fake.name, "clock": world.clock.state(), "plan": world.plan.to_json(),
                            "org": fake.state()})

    @bp.get("/journal")
    def journal():
        since = _int_arg("since", 0)
        limit = _int_arg("limit", 0) or None
        kind = request.args.get("kind")
        source = request.args.get("source")
        entries = world.journal.since(since, kinds=[kind] if kind else None, source=source, limit=limit)
        return jsonify({"entries": [e.to_json() for e in entries], "lastSeq": world.journal.last_seq})

    @bp.get("/events")
    def events():
        after = _int_arg("after", 0)
        wait = min(max(_float_arg("wait", 0.0), 0.0), MAX_WAIT_SECONDS)
        limit = _int_arg("limit", 0) or None
        source = request.args.get("source")
        kind = request.args.get("kind", "event")
        kinds = None if kind == "all" else [kind]
        entries = world.journal.wait(after, wait, kinds=kinds, source=source, limit=limit)
        last = entries[-1].seq if entries else max(after, 0)
        return jsonify({"events": [e.to_json() for e in entries], "after": after, "lastSeq": last,
                        "journalSeq": world.journal.last_seq})

    @bp.get("/clock")
    def clock():
        return jsonify(world.clock.state())

    @bp.post("/clock/advance")
    def clock_advance():
        body = _json_body(required=True)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError("seconds must be a non-negative number")
        try:
            return jsonify(world.clock.advance(float(seconds)))
        except (ValueError, OverflowError) as exc:
            raise ControlError(str(exc)) from exc

    @bp.post("/clock/freeze")
    def clock_freeze():
        world.clock.freeze()
        return jsonify(world.clock.state())

    @bp.post("/clock/unfreeze")
    def clock_unfreeze():
        world.clock.unfreeze()
        return jsonify(world.clock.state())

    @bp.get("/faults")
    def faults_list():
        return jsonify({"faults": [r.to_json() for r in fake.faults.list()]})

    @bp.post("/faults")
    def faults_add():
        body = _json_body(required=True)
        specs = body if isinstance(body, list) else [body]
        added = []
        for spec in specs:
            if isinstance(spec, dict) and spec.get("action") == FaultAction.EXPIRE_TOKENS:
                rule = fake.faults.expire(spec)  # the 401s it causes name it in the journal
                count = fake.expire_tokens()
                added.append({"id": rule.id, "action": "expire_tokens", "expired": count})
                continue
            try:
                added.append(fake.faults.add(spec).to_json())
            except FaultRuleError as exc:
                raise ControlError(str(exc)) from exc
        return jsonify({"faults": added}), 201

    @bp.delete("/faults")
    def faults_clear():
        return jsonify({"removed": fake.faults.clear()})

    @bp.delete("/faults/<rule_id>")
    def faults_remove(rule_id: str):
        removed = fake.faults.clear(rule_id)
        if not removed:
            raise ControlError(f"no fault rule {rule_id!r}", status=404, error="not_found")
        return jsonify({"removed": removed})

    @bp.get("/openapi.json", endpoint="openapi")
    def openapi():
        from .openapi import document

        return jsonify(document(current_app, fake.name))

    @bp.post("/tokens")
    def tokens():
        body = _json_body(required=True)
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return jsonify(fake.mint_token(body))

    return bp
