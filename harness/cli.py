"""The `omni-harness` command: `serve` runs the fakes locally; `certify` certifies a connector against them."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

SERVE_EXAMPLES = """examples:
  omni-harness serve --tls --env-file connector.env
  omni-harness serve --genesys-port 8443 --salesforce-port 9443 --seed 7 --agents 4
  omni-harness serve --media messaging --workdir ./fakes-state"""
CERTIFY_EXAMPLES = """examples:
  omni-harness certify --profile core --media chat
  omni-harness certify --connector "node dist/connector.js" --manifest connector.yaml
  omni-harness certify -r PICK-2 -r END-3 --timeout 20 --report-dir out
  omni-harness certify --profile all --media all --workers 2 --quiet"""
REQUIREMENTS_EXAMPLES = """examples:
  omni-harness requirements
  omni-harness requirements --json"""
TOP_EXAMPLES = """examples:
  omni-harness serve --tls --env-file connector.env
  omni-harness certify --profile core --media chat
  omni-harness requirements

Run `omni-harness COMMAND --help` for a command's options."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and shows every option's default: `(default: X)` unless the help
    already says what the default is (a default that is computed or depends on the connector is worded)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text:  # a description: one paragraph, wrapped to the terminal
            return argparse.HelpFormatter._fill_text(self, text, width, indent)
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, argparse.SUPPRESS) or not action.option_strings:
            return text
        if action.default is False:
            return text + " (default: off)"
        return text + " (default: %(default)s)"


def version() -> str:
    """The installed distribution's version; the package's own when it runs from a source tree."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("omni-harness")
    except PackageNotFoundError:
        from . import __version__

        return __version__


def profiles_help() -> str:
    """What each --profile selects, from the requirement catalogue itself (counts included)."""
    from .requirements import PROFILE_SELECTION, Profile, catalogue, load

    cat = catalogue()
    counts = {p: sum(1 for r in cat.values() if r.profile is p) for p in Profile}
    described = load().profiles
    lines = ["profiles (each requirement belongs to one; --profile selects a set of them):"]
    for p in Profile:
        noun = "requirement" if counts[p] == 1 else "requirements"
        lines.append(f"  {p.value:<11}{counts[p]:>3} {noun}: {described.get(p.value, '')}")
    lines.append("--profile selects:")
    lines.append("  declared   the profiles the connector's manifest (connector.yaml) declares; core + extended "
                 "without a manifest")
    for name, chosen in PROFILE_SELECTION.items():
        total = sum(counts[p] for p in chosen)
        lines.append(f"  {name:<11}{' + '.join(p.value for p in chosen)} ({total} requirements)")
    return "\n".join(lines)


def _listen_error(exc: OSError, args: argparse.Namespace) -> str:
    """One line per reason the fakes cannot listen: a taken port, an unknown host, an address of another machine."""
    from omni_harness.fakes.core.server import AddressNotAvailable, PortInUse, PortNotAllowed, UnknownHost

    port = getattr(exc, "port", None)
    option = {args.genesys_port: "--genesys-port", args.salesforce_port: "--salesforce-port"}.get(port)
    if isinstance(exc, PortInUse):
        return (f"cannot start the fakes: {option or 'port'} {port} is already in use on {args.host} (another "
                f"program listens there; choose another port, or 0 for any free one)")
    if isinstance(exc, PortNotAllowed):
        return f"cannot start the fakes: {option or 'port'} {port} needs privileges this user lacks (use 1024 or above)"
    if isinstance(exc, UnknownHost):
        reason = getattr(exc.__cause__, "strerror", None) or str(exc)
        return f"cannot start the fakes: --host {args.host}: no such host name ({reason})"
    if isinstance(exc, AddressNotAvailable):
        return (f"cannot start the fakes: --host {args.host}: {exc} (give one of its addresses, 127.0.0.1, or "
                f"0.0.0.0 for all of them)")
    return f"cannot start the fakes on {args.host}: {exc}"


def _cmd_serve(args: argparse.Namespace) -> int:
    from omni_harness.fakes.core import World
    from omni_harness.fakes.runner import available_fakes, describe, start_stack

    names = available_fakes()
    if not names:
        print("omni-harness: no fake is available in this installation", file=sys.stderr)
        return 2
    world = World(seed=args.seed, agents=args.agents,
                  media=("chat", "messaging") if args.media == "both" else (args.media,))
    ports = {"genesys": args.genesys_port, "salesforce": args.salesforce_port}
    # From here on SIGINT and SIGTERM end the wait below, so whatever has been started is stopped and removed
    # (also when the signal comes while the fakes start).
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if args.genesys_port and args.genesys_port == args.salesforce_port:
        print(f"omni-harness: --genesys-port and --salesforce-port are both {args.genesys_port}: each fake needs a "
              f"port of its own", file=sys.stderr)
        return 2
    try:
        stack = start_stack(world, host=args.host, ports=ports, tls=args.tls, names=names, workdir=args.workdir)
    except OSError as exc:
        print(f"omni-harness: {_listen_error(exc, args)}", file=sys.stderr)
        return 2
    from .desktop import start_desktop

    try:
        desktop = start_desktop(stack, host=args.host)
    except BaseException:
        stack.stop()
        raise
    print("omni-harness fakes running:")
    print(describe(stack))
    print(f"  agent desktop {desktop.url}/  (the customer, each agent's client and console, the live journal)")
    print("\nConnector environment:")
    for key, value in stack.env().items():
        print(f"{key}={value}")
    if args.env_file:
        path = stack.write_env_file(args.env_file)
        print(f"\nWrote {path}")
    print("\nPress Ctrl+C to stop.", flush=True)
    try:
        stop.wait()
    finally:  # the servers stop and the generated files (a temporary folder without --workdir) go away
        desktop.stop()
        stack.stop()
    print("stopped.")
    return 0


def _cmd_certify(args: argparse.Namespace) -> int:
    from .certify import EXIT_USAGE, certify, print_verdict
    from .manifest import ManifestError
    from .reports import ReportDirError
    from .selection import SelectionError

    try:
        outcome = certify(connector=args.connector, profile=args.profile, timeout=args.timeout, keyword=args.keyword,
                          report_dir=args.report_dir, workers=args.workers, verbose=args.verbose,
                          requirements=args.requirements, manifest=args.manifest, ready_timeout=args.ready_timeout,
                          force=args.force, media=args.media, shard=args.shard, quiet=args.quiet)
    except (ManifestError, SelectionError, ReportDirError) as exc:
        print(f"omni-harness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print_verdict(outcome)
    return outcome.exit_code


def _cmd_merge_reports(args: argparse.Namespace) -> int:
    from .merge import MergeError, merge_reports, print_merged

    try:
        merged = merge_reports(args.report_dirs, args.report_dir, force=args.force)
    except MergeError as exc:
        print(f"omni-harness merge-reports: {exc}", file=sys.stderr)
        return 2
    print_merged(merged)
    return merged.exit_code


def _cmd_requirements(args: argparse.Namespace) -> int:
    import json

    from .requirements import catalogue

    reqs = list(catalogue().values())
    if args.json:
        print(json.dumps([r.to_json() for r in reqs], indent=2))
        return 0
    width = max(len(r.id) for r in reqs)
    for r in reqs:
        required = "" if r.required else "  (not required)"
        required += "  (platform-guaranteed)" if r.guarantee else ""
        print(f"{r.id:<{width}}  {r.profile.value:<10}  {r.statement}{required}")
        print(f"{'':<{width}}  {'':<10}  source: {r.source}; media: {', '.join(r.media)}"
              + (f" ({r.media_reason})" if r.media_reason else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omni-harness", formatter_class=_HelpFormatter,
                                     description="Fakes of Genesys Cloud and Salesforce Omni-Channel, and a "
                                                 "certification suite for connectors between them.",
                                     epilog=TOP_EXAMPLES)
    parser.add_argument("--version", action="version", version=f"omni-harness {version()}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the fakes locally until interrupted", formatter_class=_HelpFormatter,
                           description="Starts the Genesys Cloud and Salesforce fakes (and the agent desktop) on "
                                       "local ports, prints their URLs and the connector environment, and runs "
                                       "until Ctrl+C or SIGTERM. Generated files (CA, sync settings, connector "
                                       "state) go to --workdir, else to a temporary folder removed on exit.",
                           epilog=SERVE_EXAMPLES)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address or host name of this machine to listen on (0.0.0.0: every address)")
    serve.add_argument("--genesys-port", type=int, default=0, metavar="PORT",
                       help="port of the Genesys Cloud fake's API (default 0: any free port)")
    serve.add_argument("--salesforce-port", type=int, default=0, metavar="PORT",
                       help="port of the Salesforce fake's API (default 0: any free port)")
    serve.add_argument("--tls", action="store_true",
                       help="serve https from a generated CA, named by SSL_CERT_FILE (default: plain http)")
    serve.add_argument("--seed", type=int, default=0, help="seed for names and ids")
    serve.add_argument("--agents", type=int, default=8, help="number of seeded agents")
    serve.add_argument("--media", choices=["chat", "messaging", "both"], default="both",
                       help="the media the fakes serve (default both): with messaging alone the chat endpoints "
                            "answer 404 as today's Genesys API does, and the sync settings name messaging only")
    serve.add_argument("--env-file", metavar="PATH",
                       help="also write the connector environment to this file as KEY=VALUE lines (default: "
                            "printed only)")
    serve.add_argument("--workdir", metavar="DIR",
                       help="folder for generated files (CA, sync settings, connector state), kept after exit "
                            "(default: a temporary folder, removed on exit)")
    serve.set_defaults(func=_cmd_serve)

    from .certify import DEFAULT_REPORT_DIR, EXIT_HELP, default_workers
    from .connector import DEFAULT_READY_TIMEOUT, readiness_rule
    from .selection import DECLARED, PROFILE_CHOICES
    from .waits import DEFAULT_TIMEOUT

    cert = sub.add_parser("certify", help="certify a connector: run the features against it and print the verdict",
                          formatter_class=_HelpFormatter,
                          description="Starts both fakes (TLS, ephemeral ports) and the connector, runs every "
                                      "selected scenario, prints the verdict per requirement. CERTIFIED (exit 0) "
                                      "only when every required requirement of the profiles the connector declares "
                                      "ran and passed. While it runs, a progress line counts the scenarios "
                                      "(redrawn in place on a terminal, one line per scenario otherwise).",
                          epilog=CERTIFY_EXAMPLES + "\n\n" + profiles_help() + "\n\n" + EXIT_HELP
                          + "\n\nreadiness (before any scenario starts): " + readiness_rule())
    cert.add_argument("--connector", metavar="CMD",
                      help="command that starts the connector (default: the command of --manifest, else the bundled "
                           "reference connector)")
    cert.add_argument("--manifest", metavar="PATH",
                      help="the connector's manifest: name, version, command, profiles, media (default: connector.yaml "
                           "beside the connector); requirements it does not declare are reported \"not declared\"")
    cert.add_argument("--profile", choices=list(PROFILE_CHOICES), default=DECLARED,
                      help="declared (the profiles the connector's manifest declares; core + extended without one; "
                           "default), core, extended (core + extended) or all (core + extended + resilience + "
                           "scale); less than declared can only pass for the selection (profiles below)")
    cert.add_argument("--media", choices=["chat", "messaging", "all"], default=None,
                      help="media to certify: chat, messaging or all (default: the media the connector's manifest "
                           "declares; chat without one); every verdict is per requirement and medium "
                           "(PICK-2 [messaging])")
    cert.add_argument("--timeout", type=float, metavar="S", help=f"seconds each step waits for the state it expects (default {DEFAULT_TIMEOUT:g})")
    cert.add_argument("-k", dest="keyword", metavar="EXPR", help="only scenarios matching this pytest -k expression (default: every scenario of the selection)")
    cert.add_argument("-r", "--requirement", dest="requirements", action="append", metavar="ID",
                      help="only the scenarios of this requirement (repeatable; e.g. -r PICK-2 -r END-3; default: every "
                           "requirement of the profiles)")
    cert.add_argument("--ready-timeout", type=float, metavar="S", default=DEFAULT_READY_TIMEOUT,
                      help=f"seconds the connector gets to become ready (default {DEFAULT_READY_TIMEOUT:g})")
    cert.add_argument("--report-dir", metavar="DIR", default=DEFAULT_REPORT_DIR,
                      help="write junit.xml, cucumber.json, summary.json, report.html, journal.ndjson, connector.log, "
                           f"scenarios.json and certify.log (pytest's own output) here (default "
                           f"./{DEFAULT_REPORT_DIR}/); an earlier run's report there is replaced")
    cert.add_argument("--force", action="store_true",
                      help="write the report into a folder that holds other files too (they are left alone)")
    cert.add_argument("--workers", type=int, default=default_workers(), metavar="N",
                      help="scenarios run in parallel by N pytest-xdist workers (1 = in this process; default "
                           "%(default)s on this machine)")
    cert.add_argument("-v", "--verbose", action="store_true",
                      help="pytest's verbose output on the console instead of the progress line")
    cert.add_argument("-q", "--quiet", action="store_true",
                      help="no progress line, only the verdict at the end")
    from .shards import shard_argument

    cert.add_argument("--shard", type=shard_argument, metavar="I/N", default=None,
                      help="run shard I of N (1 <= I <= N) of the selected scenarios (default: all of them), split by their measured "
                           "durations the same way on every machine; exit 0 when nothing it ran failed (it is never "
                           "CERTIFIED by itself): `omni-harness merge-reports` on the N report folders decides")
    cert.set_defaults(func=_cmd_certify)
    merge = sub.add_parser("merge-reports", help="merge the report folders of `certify --shard I/N` runs into one "
                                                 "certification",
                           formatter_class=_HelpFormatter,
                           description="Reads each shard's report folder, checks they are shards of the same run "
                                       "(connector, manifest, selection, media, profile, N; distinct I), merges the "
                                       "verdicts per requirement and medium, and writes summary.json, junit.xml, "
                                       "cucumber.json, scenarios.json, journal.ndjson and report.html with the "
                                       "verdict one run would get: CERTIFIED only with every shard 1..N present and "
                                       "every required requirement passed.",
                           epilog=EXIT_HELP.split("\n  130")[0] + "\n  (2 also: the folders are not shards of "
                                                                    "one run)")
    merge.add_argument("report_dirs", nargs="+", type=Path, metavar="DIR", help="a shard's report folder")
    merge.add_argument("--report-dir", metavar="OUT", type=Path, default=Path(DEFAULT_REPORT_DIR),
                       help=f"write the merged report here (default ./{DEFAULT_REPORT_DIR}/); an earlier report "
                            "there is replaced")
    merge.add_argument("--force", action="store_true",
                       help="write the merged report into a folder that holds other files too")
    merge.set_defaults(func=_cmd_merge_reports)
    reqs = sub.add_parser("requirements", help="list every requirement id with its profile, statement and source",
                          formatter_class=_HelpFormatter,
                          description="Lists the requirement catalogue (contracts/requirements.yaml): each id with "
                                      "its profile, statement, source passage and media; the ids `certify -r` "
                                      "takes.",
                          epilog=REQUIREMENTS_EXAMPLES + "\n\n" + profiles_help())
    reqs.add_argument("--json", action="store_true", help="print the catalogue as a JSON list instead of a table")
    reqs.set_defaults(func=_cmd_requirements)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "agents", 1) < 1:
        parser.error("--agents must be at least 1")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
