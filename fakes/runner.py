"""Starts the fakes of one world on local ports (optionally TLS) and describes the connector environment."""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from .core import Fake, LocalCA, RunningServer, World, serve_app
from .core.server import ServerKind

# name -> module with `build(world) -> Fake`; the order is the start order.
FAKE_MODULES = {"genesys": "omni_harness.fakes.genesys", "salesforce": "omni_harness.fakes.salesforce"}


def available_fakes() -> list[str]:
    """The fakes whose package provides `build(world)`."""
    names = []
    for name, module in FAKE_MODULES.items():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(mod, "build"):
            names.append(name)
    return names


@dataclass
class Stack:
    """Running fakes: `fakes[name]`, their servers, and the CA when TLS is on."""

    world: World
    fakes: dict[str, Fake]
    servers: dict[str, dict[str, RunningServer]]
    ca: LocalCA | None = None
    state_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # The temporary folder start_stack made for the generated files (None when the caller named one): it goes
    # away with the stack, and at the latest when the interpreter exits.
    temp_dir: Path | None = None
    _cleanup: weakref.finalize | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.temp_dir is not None:
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.temp_dir, True)

    def url(self, fake: str, listener: str = "api") -> str:
        return self.servers[fake][listener].url

    def env(self) -> dict[str, str]:
        """The connector environment of DESIGN §4.3 for what is running."""
        out: dict[str, str] = {}
        for fake in self.fakes.values():
            out.update(fake.connector_env())
        if self.ca is not None:
            out["SSL_CERT_FILE"] = str(self.ca.ca_path)
            out["REQUESTS_CA_BUNDLE"] = str(self.ca.ca_path)
        out.update(self.extra_env)
        return out

    def write_env_file(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{key}={value}" for key, value in self.env().items()]
        target.write_text("\n".join(lines) + "\n")
        return target

    def stop(self) -> None:
        try:
            _stop_servers(self.servers)
            self.world.clock.close()
        finally:
            if self._cleanup is not None:
                self._cleanup()


def _stop_servers(servers: dict[str, dict[str, RunningServer]]) -> None:
    for listeners in servers.values():
        for server in listeners.values():
            server.stop()


def start_stack(world: World | None = None, host: str = "127.0.0.1", ports: dict[str, int] | None = None,
                tls: bool = False, names: list[str] | None = None, workdir: str | Path | None = None) -> Stack:
    """Build and serve the named fakes (default: every available one) on `host`.

    `ports` maps a fake name to the port of its "api" listener (0 or missing = ephemeral).
    `workdir` holds generated files (CA, sync settings); a temporary folder when omitted, removed when the stack
    stops. A start that fails (`omni_harness.fakes.core.server.ListenError` for an address it cannot listen on) stops what it
    had started and removes that folder before raising.
    """
    world = world or World()
    ports = ports or {}
    names = names or available_fakes()
    temp_dir = None if workdir else Path(tempfile.mkdtemp(prefix="omni-harness-"))
    base = Path(workdir) if workdir else temp_dir
    assert base is not None
    servers: dict[str, dict[str, RunningServer]] = {}
    try:
        base.mkdir(parents=True, exist_ok=True)
        ca = LocalCA(base / "tls") if tls else None
        ssl_context = ca.server_context() if ca else None
        fakes: dict[str, Fake] = {}
        for name in names:
            module = importlib.import_module(FAKE_MODULES[name])
            fake: Fake = module.build(world)
            fake.workdir = base  # type: ignore[attr-defined]
            started: dict[str, RunningServer] = {}
            servers[name] = started
            for listener, app in fake.listeners().items():
                port = ports.get(name, 0) if listener == "api" else 0
                kind = ServerKind.WERKZEUG if listener in fake.raw_socket_listeners else ServerKind.CHEROOT
                started[listener] = serve_app(app, host, port, ssl_context, name=f"{name}-{listener}", kind=kind)
            fake.bind({listener: srv.url for listener, srv in started.items()})
            fakes[name] = fake
        state_dir = base / "connector-state"
        state_dir.mkdir(exist_ok=True)
    except BaseException:
        _stop_servers(servers)
        world.clock.close()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    stack = Stack(world, fakes, servers, ca, state_dir, temp_dir=temp_dir)
    stack.extra_env["CONNECTOR_STATE_DIR"] = str(state_dir)
    return stack


def describe(stack: Stack) -> str:
    """Human-readable summary of a running stack, for `omni-harness serve`."""
    lines = []
    for name, listeners in stack.servers.items():
        for listener, server in listeners.items():
            lines.append(f"  {name:<11} {listener:<10} {server.url}")
    lines.append(f"  control API  {', '.join(s['api'].url + '/_fake/' for s in stack.servers.values())}")
    if stack.ca:
        lines.append(f"  CA file      {stack.ca.ca_path}")
    plan = stack.world.plan
    lines.append(f"  seed {plan.seed}: {plan.agents} agents, {plan.queues} linked chat queues")
    return "\n".join(lines)


def env_json(stack: Stack) -> str:
    return json.dumps(stack.env(), indent=2)
