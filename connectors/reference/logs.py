"""Structured logging: one logfmt line per record on stderr, under the connector's own logger."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

ROOT = "omni.connector"


def _quote(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' ="\n\t'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class LogfmtFormatter(logging.Formatter):
    """`ts=... level=info logger=omni.connector.engine msg=pickup workItemId=0MwX...`, easy for people and grep."""

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        parts = [f"ts={ts}", f"level={record.levelname.lower()}", f"logger={record.name}",
                 f"msg={_quote(record.getMessage())}"]
        for key, value in getattr(record, "kv", {}).items():
            if value is not None:
                parts.append(f"{key}={_quote(value)}")
        if record.exc_info:
            parts.append(f"error={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


class Log:
    """A thin wrapper so call sites read `log.info("pickup", workItemId=w, userId=u)`."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(f"{ROOT}.{name}" if name else ROOT)

    def _log(self, level: int, msg: str, exc_info: bool, kv: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, msg, exc_info=exc_info, extra={"kv": kv}, stacklevel=3)

    def debug(self, msg: str, **kv: Any) -> None:
        self._log(logging.DEBUG, msg, False, kv)

    def info(self, msg: str, **kv: Any) -> None:
        self._log(logging.INFO, msg, False, kv)

    def warning(self, msg: str, **kv: Any) -> None:
        self._log(logging.WARNING, msg, False, kv)

    def error(self, msg: str, exc_info: bool = False, **kv: Any) -> None:
        self._log(logging.ERROR, msg, exc_info, kv)


def get_log(name: str = "") -> Log:
    return Log(name)


def configure(level: str = "INFO") -> None:
    """Send the connector's logger (and only warnings of the libraries) to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger(ROOT).setLevel(getattr(logging, level, logging.INFO))
    # The libraries are chatty at INFO (every CometD connect); their warnings are enough.
    for noisy in ("aiocometd_ng", "aiosfstream_ng", "websocket", "urllib3", "simple_salesforce"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
