"""`python -m omni_harness.connectors.idle`: authenticate, subscribe, then idle until SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading

from .app import IdleConnector, Settings


def main() -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    connector = IdleConnector(Settings.from_env())
    connector.start(stop)
    stop.wait()
    connector.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
