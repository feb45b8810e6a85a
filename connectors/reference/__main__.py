"""`python -m omni_harness.connectors.reference`: read the environment, run the connector until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import os
import signal
import sys


def main() -> int:
    from .config import ConfigError, load_env, load_sync_settings
    from .libraries import missing_libraries, missing_message
    from .logs import configure, get_log

    configure("INFO")
    log = get_log("")
    missing = missing_libraries()
    if missing:  # installed without the `reference` extra: say so, rather than fail on the first import
        log.error("missing client libraries", error=missing_message(missing))
        return 2
    try:
        env = load_env()
        settings = load_sync_settings(env.sync_settings_path)
    except ConfigError as exc:
        log.error("configuration error", error=str(exc))
        return 2
    configure(env.log_level)
    # The chat endpoints are deprecated in SDK 263 and it warns on every call; the connector uses them knowingly.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.ERROR)

    from .app import Connector

    connector = Connector(env, settings)

    def on_signal(signum, _frame) -> None:
        log.info("stopping", signal=signal.Signals(signum).name)
        connector.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = connector.run()
    # The books are already on disk; skip the interpreter's tear-down of thousands of SDK model classes,
    # which alone can take seconds, so the process ends promptly after SIGTERM.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
