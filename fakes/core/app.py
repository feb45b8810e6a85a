"""Flask app factory shared by the fakes: journaling, correlation ids, fault injection, platform error rendering."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .control import guard_control_request, make_control_blueprint, parse_json
from .errors import FakeError
from .world import Fake

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_fake"
_BODY_LIMIT = 16_384


def _excerpt(data: bytes, mimetype: str | None) -> Any:
    """What the journal keeps of a body: parsed JSON, text, or its size when it is large."""
    if not data:
        return None
    if len(data) > _BODY_LIMIT:
        return {"truncated": True, "bytes": len(data)}
    text = data.decode("utf-8", "replace")
    if mimetype and "json" in mimetype:
        try:
            return parse_json(data)  # strict: a client's NaN is kept as text, so the journal stays valid JSON
        except ValueError:
            return text
    return text


def _excerpt_request() -> Any:
    return _excerpt(request.get_data(cache=True), request.mimetype)


def _excerpt_response(response: Response) -> Any:
    if response.is_streamed or response.direct_passthrough:
        return None
    return _excerpt(response.get_data(), response.mimetype)


def _credential(response: Response | None = None) -> str:
    """The bearer token or session id of the request (`Bearer x`, `OAuth x`), or the access token a grant answers."""
    if response is not None:
        if response.is_streamed or response.direct_passthrough or not response.mimetype or \
                "json" not in response.mimetype or b'"access_token"' not in response.get_data():
            return ""
        body = _excerpt_response(response)
        return str(body.get("access_token") or "") if isinstance(body, dict) else ""
    parts = request.headers.get("Authorization", "").split()
    return parts[-1] if len(parts) == 2 else ""


def _credential_fault(fake: Fake, response: Response) -> str | None:
    """Tracks the credentials in use so that an expire_tokens rule can claim the 401s it causes; answers the
    rule that caused this response's 401, if one did."""
    credential = _credential()
    if response.status_code == 401:
        return fake.faults.caused_by(credential)
    if response.status_code < 400:
        fake.faults.note_credential(credential)
        fake.faults.note_credential(_credential(response))
    return None


def render_error(fake: Fake, exc: FakeError) -> Response:
    body = exc.body()
    text = body if isinstance(body, str) else json.dumps(body)
    response = Response(text, status=exc.status, mimetype=exc.mimetype)
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


def flask_app(import_name: str, **options: Any) -> Flask:
    """A Flask app whose root and instance folders are given, not looked up: Flask's lookup fails for modules of a
    namespace package installed in editable mode (`omni_harness` is one), and neither folder is used."""
    root = Path(sys.modules[import_name].__file__ or ".").resolve().parent
    return Flask(import_name, root_path=str(root), instance_path=str(root / "instance"), **options)


def create_fake_app(fake: Fake, import_name: str) -> Flask:
    """A Flask app for `fake` with the control API mounted at `/_fake/`.

    The platform's own blueprints are registered by the caller. Every non-control request is
    journaled with its response and the actor the platform's auth layer put in `g.actor`.
    """
    app = flask_app(import_name)
    app.config["FAKE"] = fake
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    app.register_blueprint(make_control_blueprint(fake), url_prefix=CONTROL_PREFIX)

    @app.before_request
    def _begin() -> Response | None:
        g.started = time.monotonic()
        g.correlation_id = request.headers.get("inin-correlation-id") or fake.new_correlation_id()
        g.actor = None
        if request.path.startswith(CONTROL_PREFIX):
            guard_control_request(fake)
            return None
        rule = fake.faults.match_request(request.method, request.path)
        if rule is None:
            return None
        g.fault = rule.id
        if rule.latencySeconds:
            time.sleep(rule.latencySeconds)  # injected latency is the fault itself
        if rule.action == "latency":
            return None
        if rule.body is None:
            response = render_error(fake, fake.error(rule.status))
        else:
            response = Response(json.dumps(rule.body), status=rule.status, mimetype="application/json")
        response.status_code = rule.status
        for key, value in rule.headers.items():
            response.headers[key] = value
        return response

    @app.after_request
    def _finish(response: Response) -> Response:
        correlation_id = getattr(g, "correlation_id", "") or fake.new_correlation_id()
        fake.decorate_response(response, correlation_id)
        if request.path.startswith(CONTROL_PREFIX):
            return response
        try:
            fault = getattr(g, "fault", None) or _credential_fault(fake, response)
            data = {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                # the journal keeps a stand-in of it (journal.redact), so requests can be grouped by credential
                "authorization": request.headers.get("Authorization"),
                "status": response.status_code,
                "actor": getattr(g, "actor", None),
                "fault": fault,
                "requestBody": _excerpt_request(),
                "responseBody": _excerpt_response(response),
                "durationMs": round((time.monotonic() - getattr(g, "started", time.monotonic())) * 1000, 3),
            }
            fake.journal.request(fake.name, data, correlation_id)
        except Exception:  # journaling must never break a response
            log.exception("could not journal %s %s", request.method, request.path)
        return response

    @app.errorhandler(FakeError)
    def _fake_error(exc: FakeError) -> Response:
        return render_error(fake, exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return Response(json.dumps({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}),
                            status=exc.code or 500, mimetype="application/json")
        return render_error(fake, fake.error(exc.code or 500))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error in %s fake on %s %s", fake.name, request.method, request.path)
        return render_error(fake, fake.error(500))

    return app
