"""`python -m fakes.salesforce.routes --list`: every route with its method, path, operation and schemas."""

from __future__ import annotations

import argparse
import sys

from ...core.routes import format_routes
from . import all_specs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakes.salesforce.routes", description=__doc__)
    parser.add_argument("--list", action="store_true", help="print the route table (Markdown)")
    args = parser.parse_args(argv)
    if not args.list:
        parser.print_help()
        return 2
    sys.stdout.write(format_routes(all_specs()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
