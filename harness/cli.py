"""The `omni-harness` command: `serve` runs the fakes locally."""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def _cmd_serve(args: argparse.Namespace) -> int:
    from fakes.core import World
    from fakes.runner import available_fakes, describe, start_stack

    names = available_fakes()
    if not names:
        print("omni-harness: no fake is available in this installation", file=sys.stderr)
        return 2
    world = World(seed=args.seed, agents=args.agents)
    ports = {"genesys": args.genesys_port, "salesforce": args.salesforce_port}
    try:
        stack = start_stack(world, host=args.host, ports=ports, tls=args.tls, names=names, workdir=args.workdir)
    except OSError as exc:
        print(f"omni-harness: cannot start the fakes on {args.host}: {exc}", file=sys.stderr)
        return 2
    print("omni-harness fakes running:")
    print(describe(stack))
    print("\nConnector environment:")
    for key, value in stack.env().items():
        print(f"{key}={value}")
    if args.env_file:
        path = stack.write_env_file(args.env_file)
        print(f"\nWrote {path}")
    print("\nPress Ctrl+C to stop.", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    stack.stop()
    print("stopped.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omni-harness",
                                     description="Fakes of Genesys Cloud and Salesforce Omni-Channel, and a "
                                                 "certification suite for connectors between them.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the fakes locally until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--genesys-port", type=int, default=0, help="Genesys Cloud fake port (0 = any free port)")
    serve.add_argument("--salesforce-port", type=int, default=0, help="Salesforce fake port (0 = any free port)")
    serve.add_argument("--tls", action="store_true", help="serve https from a generated CA (SSL_CERT_FILE names it)")
    serve.add_argument("--seed", type=int, default=0, help="seed for names and ids (default 0)")
    serve.add_argument("--agents", type=int, default=8, help="number of seeded agents (default 8)")
    serve.add_argument("--env-file", help="also write the connector environment to this file as KEY=VALUE lines")
    serve.add_argument("--workdir", help="folder for generated files (CA, sync settings); default a temp folder")
    serve.set_defaults(func=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "agents", 1) < 1:
        parser.error("--agents must be at least 1")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
