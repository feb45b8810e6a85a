"""The agent desktop: one page in the browser that plays the customer and every agent's two screens (the Genesys
Cloud client and the Salesforce console) against the running fakes, with the live journal of both platforms."""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Mapping
from typing import Any

from omni_harness.fakes.core import RunningServer, serve_app

from .app import FORWARDER_KEY, DesktopTargets, create_desktop_app

__all__ = ["DesktopTargets", "create_desktop_app", "desktop_targets", "start_desktop"]


def desktop_targets(stack_or_urls: Any) -> DesktopTargets:
    """The fakes' URLs and CA from a running `omni_harness.fakes.runner.Stack`, a `omni_harness.harness.stackinfo.StackInfo`, or a mapping
    `{"genesys": URL, "salesforce": URL, "ca_file": PATH}`."""
    if isinstance(stack_or_urls, DesktopTargets):
        return stack_or_urls
    if isinstance(stack_or_urls, Mapping):
        try:
            return DesktopTargets(stack_or_urls["genesys"], stack_or_urls["salesforce"], stack_or_urls.get("ca_file"))
        except KeyError as exc:
            raise ValueError(f"the desktop needs both fakes' URLs; {exc.args[0]!r} is missing") from None
    if hasattr(stack_or_urls, "servers") and callable(getattr(stack_or_urls, "url", None)):  # omni_harness.fakes.runner.Stack
        ca = getattr(stack_or_urls, "ca", None)
        return DesktopTargets(stack_or_urls.url("genesys"), stack_or_urls.url("salesforce"),
                              str(ca.ca_path) if ca is not None else None)
    if hasattr(stack_or_urls, "genesys_url") and hasattr(stack_or_urls, "salesforce_url"):  # StackInfo
        return DesktopTargets(stack_or_urls.genesys_url, stack_or_urls.salesforce_url,
                              getattr(stack_or_urls, "ca_file", None))
    raise TypeError(f"cannot find the fakes' URLs in {type(stack_or_urls).__name__}")


def start_desktop(stack_or_urls: Any, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None,
                  port: int = 0) -> RunningServer:
    """Serve the desktop for the given fakes on `host` (port 0: any free port); `.url` is the page's address.

    Plain http by default: a browser does not trust the stack's generated CA. Stop it with `.stop()`.
    """
    targets = desktop_targets(stack_or_urls)
    app = create_desktop_app(targets.genesys_url, targets.salesforce_url, targets.ca_file, allowed_hosts=(host,))
    server = serve_app(app, host, port, ssl_context, name="desktop")
    forwarder = app.extensions[FORWARDER_KEY]
    stop_server = server._stop

    def stop() -> None:
        forwarder.close()  # a held event long-poll then ends within its one-second hold
        stop_server()

    return dataclasses.replace(server, _stop=stop)
