"""The Open Messaging outbound webhook: signed POSTs to an integration's `outboundNotificationWebhookUrl`, sent by a
background thread so a request never waits on the middleware, retried on the virtual clock.

Developer guide (openmessaging/validate): `X-Hub-Signature-256: sha256=<base64 HMAC-SHA256 of the body>` keyed by the
integration's secret token, computed over exactly the bytes sent; 10 s timeout; a timeout, 429 or 5xx is retried up
to 5 times, 5 s apart. Every attempt is a `webhook.delivery` journal event, so a test waits on the event feed and
advances the clock for the next attempt instead of sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import OrgRoot

SIGNATURE_HEADER = "X-Hub-Signature-256"
RETRYABLE = frozenset({429}) | frozenset(range(500, 600))


def signature(secret: str, body: bytes) -> str:
    """`sha256=<base64(HMAC-SHA256(secret, body))>`: base64, not hex (developer guide)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def encode(body: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Delivery:
    """One webhook body on its way, with everything needed to send it again (the integration may change since)."""

    integration_id: str
    conversation_id: str
    message_id: str | None  # the agent's message (None for a typing event)
    body_id: str
    url: str
    secret: str
    headers: dict[str, str]
    body: dict[str, Any]
    correlation_id: str
    generation: int
    attempt: int = 1


@dataclass(frozen=True)
class WebhookOutcome:
    attempt: int
    delivered: bool
    final: bool  # no further attempt follows
    http_status: int | None
    error: str | None

    @property
    def status(self) -> str:
        return "delivered" if self.delivered else ("failed" if self.final else "retrying")


class WebhookSender:
    """A single background thread posting deliveries in the order they were submitted."""

    def __init__(self, root: OrgRoot, on_outcome: Callable[[Delivery, WebhookOutcome], None]) -> None:
        self.root = root
        self._on_outcome = on_outcome
        self._queue: queue.Queue[Delivery] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # No proxy: the middleware of a test run is a local receiver.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def reset(self) -> None:
        """Deliveries of a previous org are dropped when their turn comes (their generation is stale)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def submit(self, delivery: Delivery) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="genesys-webhook-sender", daemon=True)
                self._thread.start()
        self._queue.put(delivery)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery.generation != self.root.generation:
                continue
            try:
                self._attempt(delivery)
            except Exception:  # a broken delivery must not stop the sender
                import logging

                logging.getLogger(__name__).exception("webhook delivery to %s failed", delivery.url)

    def _attempt(self, delivery: Delivery) -> None:
        config = self.root.config
        status, error = self._post(delivery, config.webhook_timeout_seconds)
        delivered = status is not None and 200 <= status < 300
        # inferred: a connection that cannot be made is retried like a timeout
        retryable = not delivered and (status is None or status in RETRYABLE)
        final = delivered or not retryable or delivery.attempt > config.webhook_retries
        outcome = WebhookOutcome(delivery.attempt, delivered, final, status, error)
        if delivery.generation != self.root.generation:
            return
        if not final:
            # Scheduled before the event is written: whoever saw the event can advance the clock past the retry.
            again = replace(delivery, attempt=delivery.attempt + 1)
            self.root.clock.call_later(config.webhook_retry_seconds, lambda: self.submit(again),
                                       name=f"genesys webhook retry {delivery.body_id} #{again.attempt}")
        self._on_outcome(delivery, outcome)
        self.root.emit("webhook.delivery", {
            "integrationId": delivery.integration_id, "conversationId": delivery.conversation_id,
            "messageId": delivery.message_id, "bodyId": delivery.body_id, "url": delivery.url,
            "type": delivery.body.get("type"), "attempt": delivery.attempt, "status": outcome.status,
            "httpStatus": status, "error": error, "topics": [],
        }, delivery.correlation_id)

    def _post(self, delivery: Delivery, timeout: float) -> tuple[int | None, str | None]:
        """The HTTP status, or None and what went wrong (timeout, refused connection)."""
        data = encode(delivery.body)
        headers = dict(delivery.headers)
        headers.update({"Content-Type": "application/json", SIGNATURE_HEADER: signature(delivery.secret, data)})
        request = urllib.request.Request(delivery.url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=timeout) as response:
                response.read()
                return response.status, None
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, None
        except TimeoutError:
            return None, "timeout"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                return None, "timeout"
            return None, str(reason) or type(exc).__name__
