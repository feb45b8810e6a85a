"""Route specs both fakes declare their operations with: method, path, operation id, request and response schemas."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from flask import Blueprint, Flask, Response, jsonify


@dataclass(frozen=True)
class RouteSpec:
    """One operation: what its body must look like and what it answers (schema names in contracts/<platform>)."""

    method: str
    rule: str
    endpoint: str
    request: str | None  # request body schema, None = no body
    response: str | None  # response body schema, None = empty body
    status: int
    error: str | None = None  # error body schema, None = the platform's usual one

    def schemas(self, view_args: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(request, response) schema names, their `{placeholder}`s filled from the route's view arguments
        (e.g. `record-{sobject}` for `/sobjects/<sobject>/<record_id>`)."""

        def fill(name: str | None) -> str | None:
            return name.format(**view_args) if name is not None and "{" in name else name

        return fill(self.request), fill(self.response)


class Api:
    """Collects routes on a blueprint and remembers their schemas, so tests can check every response."""

    def __init__(self, name: str) -> None:
        self.blueprint = Blueprint(name, __name__)
        self.specs: list[RouteSpec] = []

    def route(self, method: str, rule: str, *, request: str | None = None, response: str | None = None,
              status: int = 200, name: str | None = None, error: str | None = None,
              **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare `method rule`; `options` go to werkzeug's Rule (e.g. `websocket=True`)."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            endpoint = f"{method.lower()}_{name or fn.__name__}"
            self.blueprint.add_url_rule(rule, endpoint=endpoint, view_func=fn, methods=[method], **options)
            self.specs.append(RouteSpec(method, rule, f"{self.blueprint.name}.{endpoint}", request, response, status,
                                        error))
            return fn

        return decorate


def reply(body: Any, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def empty(status: int = 202) -> Response:
    return Response(status=status)


def spec_for(app: Flask, specs: dict[str, RouteSpec], method: str, path: str) -> RouteSpec | None:
    """The route spec serving `method path` on `app`, if any (used by the tests' response checks)."""
    from werkzeug.exceptions import HTTPException

    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:
        return None
    return specs.get(endpoint)


def match_spec(app: Flask, specs: dict[str, RouteSpec], method: str,
               path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
    """The route spec serving `method path` on `app` and the route's view arguments, if any."""
    from werkzeug.exceptions import HTTPException

    adapter = app.url_map.bind("localhost")
    try:
        endpoint, view_args = adapter.match(path, method=method)
    except HTTPException:
        return None
    spec = specs.get(endpoint)
    return None if spec is None else (spec, dict(view_args))


class RouteTable:
    """A fake's route specs, gathered from its route modules (each with `build(fake) -> Api`).

    `modules` is called when the routes are first needed, so a route package can list its own modules lazily.
    """

    def __init__(self, modules: Callable[[], Sequence[ModuleType]]) -> None:
        self._modules = modules
        self.specs: dict[str, RouteSpec] = {}

    def all_specs(self) -> list[RouteSpec]:
        """Every operation (handlers reach the fake only when called, so none is needed here)."""
        out: list[RouteSpec] = []
        for module in self._modules():
            out += module.build(None).specs
        for spec in out:
            self.specs.setdefault(spec.endpoint, spec)
        return out

    def register(self, app: Flask, fake: Any) -> None:
        """Mount every route module's blueprint on `app`, its handlers bound to `fake`."""
        for module in self._modules():
            api = module.build(fake)
            app.register_blueprint(api.blueprint)
            for spec in api.specs:
                self.specs[spec.endpoint] = spec
        # the app's own record of its operations: what `/_fake/openapi.json` documents
        app.extensions.setdefault("route_specs", {}).update(self.specs)

    def spec_for(self, app: Flask, method: str, path: str) -> tuple[RouteSpec, dict[str, Any]] | None:
        """The route spec serving `method path` on `app` and its view arguments, if any."""
        return match_spec(app, self.specs, method, path)


def route_rows(specs: list[RouteSpec]) -> list[tuple[str, str, str, str, str]]:
    """(method, path, operation id, request schema, response schema) per operation, sorted by path then method."""
    rows = {(s.method, s.rule, s.endpoint.rsplit(".", 1)[-1], s.request or "-", s.response or "-") for s in specs}
    return sorted(rows, key=lambda r: (r[1], r[0], r[2]))


def format_routes(specs: list[RouteSpec]) -> str:
    """The route list as a Markdown table: what `python -m omni_harness.fakes.<platform>.routes --list` prints."""
    lines = ["| method | path | operation | request schema | response schema |", "|---|---|---|---|---|"]
    lines += [f"| {m} | `{p}` | `{op}` | {req} | {resp} |" for m, p, op, req, resp in route_rows(specs)]
    return "\n".join(lines) + "\n"


def list_routes_main(prog: str, specs: Callable[[], list[RouteSpec]], argv: list[str] | None = None) -> int:
    """`python -m omni_harness.fakes.<platform>.routes --list`: print the fake's route table (Markdown)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog=prog, description="Every route of the fake, with its operation and schemas.")
    parser.add_argument("--list", action="store_true", help="print the route table (Markdown)")
    args = parser.parse_args(argv)
    if not args.list:
        parser.print_help()
        return 2
    sys.stdout.write(format_routes(specs()))
    return 0
