"""Salesforce change events over CometD (aiosfstream-ng), resumed from the last processed replay id.

The client runs on its own asyncio loop in a thread. Each change event is handed to the dispatcher, and the
replay ledger only moves past it once it (and every event before it) has been handled, so a restart or a
re-handshake replays whatever was not finished. A `403::Unknown client` (or any advice to handshake again)
makes the listener drop the client and open a new one: handshake, subscribe with the stored replay ids.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable
from typing import Any

import aiohttp
from aiocometd_ng import Extension
from aiosfstream_ng import Client
from aiosfstream_ng.auth import AuthenticatorBase
from aiosfstream_ng.client import ReplayMarkerStoragePolicy
from aiosfstream_ng.replay import ReplayMarker, ReplayMarkerStorage, ReplayOption

from .logs import get_log
from .ports import AuthenticationError
from .salesforce_rest import SalesforceAuth
from .store import ReplayLedger

log = get_log("streaming")

# One channel for every entity selected for Change Data Capture: events of a transaction (a routing request
# raised by a queue transfer and the sender's work marked Transferred) arrive in commit order, and a single
# replay id covers them all. Per-entity channels (/data/AgentWorkChangeEvent, ...) work too.
DEFAULT_CHANNELS = ("/data/ChangeEvents",)
MAX_BACKOFF = 10.0


class TokenAuthenticator(AuthenticatorBase):
    """aiosfstream's authenticators post to login.salesforce.com; this one reuses the connector's own token."""

    def __init__(self, auth: SalesforceAuth, instance_url: str) -> None:
        super().__init__()
        self._auth = auth
        self._instance_url = instance_url

    async def _authenticate(self) -> tuple[int, dict[str, Any]]:
        stale = self.access_token
        loop = asyncio.get_running_loop()
        # The first call takes the current token; a later one means the server refused it: renew it.
        fetch = (lambda: self._auth.refresh(stale)) if stale else self._auth.token
        token = await loop.run_in_executor(None, fetch)
        return 200, {"access_token": token, "token_type": "Bearer", "instance_url": self._instance_url}


class LedgerReplayStorage(ReplayMarkerStorage):
    """Subscribe with the ledger's resume id; the ledger itself is advanced when events are processed."""

    def __init__(self, ledger: ReplayLedger) -> None:
        super().__init__()
        self.ledger = ledger

    async def get_replay_marker(self, subscription: str) -> ReplayMarker | None:
        replay_id = self.ledger.resume_id(subscription)
        return ReplayMarker(date="", replay_id=replay_id) if replay_id is not None else None

    async def set_replay_marker(self, subscription: str, replay_marker: ReplayMarker) -> None:
        return None

    async def get_replay_id(self, subscription: str) -> int | None:
        replay_id = self.ledger.resume_id(subscription)
        return replay_id if replay_id is not None else int(ReplayOption.NEW_EVENTS)


class HandshakeAdvice(Extension):
    """Notices the server asking for a new handshake (e.g. `403::Unknown client` after the client expired)."""

    def __init__(self) -> None:
        self.triggered = asyncio.Event()
        self.reason = ""

    async def outgoing(self, payload: list[dict[str, Any]], headers: dict[str, str]) -> None:
        return None

    async def incoming(self, payload: list[dict[str, Any]], headers: dict[str, str] | None = None) -> None:
        for message in payload:
            advice = message.get("advice") if isinstance(message.get("advice"), dict) else {}
            error = str(message.get("error") or "")
            if advice.get("reconnect") == "handshake" or "unknown client" in error.lower():
                self.reason = error or "advice: handshake"
                self.triggered.set()


class _RetryAfterSession:
    """Wraps the aiohttp session of the CometD transport: a 429/503 is retried after its Retry-After."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    @property
    def closed(self) -> bool:
        return self._session.closed

    async def close(self) -> None:
        await self._session.close()

    async def post(self, url: str, **kwargs: Any) -> aiohttp.ClientResponse:
        timeout = kwargs.get("timeout")
        if isinstance(timeout, (int, float)) or timeout is None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        for attempt in range(6):
            response = await self._session.post(url, **kwargs)
            if response.status not in (429, 503) or attempt == 5:
                return response
            try:
                delay = float(response.headers.get("Retry-After", ""))
            except ValueError:
                delay = min(8.0, 0.25 * 2 ** attempt)
            response.release()
            log.warning("streaming rate limited", status=response.status, retryAfter=delay)
            await asyncio.sleep(delay)
        return response


class StreamingClient(Client):
    """aiosfstream-ng's client at the configured API version, on the connector's TLS trust and 429 handling."""

    def __init__(self, *args: Any, api_version: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._api_version = api_version

    def get_cometd_url(self, instance_url: str) -> str:  # type: ignore[override]
        return f"{instance_url.rstrip('/')}/cometd/{self._api_version}"

    async def _get_http_session(self) -> Any:
        if self._http_session is None:
            self._http_session = _RetryAfterSession(aiohttp.ClientSession(json_serialize=self._json_dumps))
        return self._http_session


class StreamingListener:
    def __init__(self, auth: SalesforceAuth, instance_url: str, api_version: str, ledger: ReplayLedger,
                 on_message: Callable[[dict[str, Any]], None], on_subscribed: Callable[[bool], None],
                 on_fatal: Callable[[Exception], None], ca_file: str | None,
                 channels: tuple[str, ...] = DEFAULT_CHANNELS) -> None:
        self.auth = auth
        self.instance_url = instance_url
        self.api_version = api_version
        self.ledger = ledger
        self.on_message = on_message
        self.on_subscribed = on_subscribed
        self.on_fatal = on_fatal
        self.channels = channels
        self.ssl_context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._subscribed_once = False
        self._thread = threading.Thread(target=self._thread_main, name="streaming", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.5) -> None:
        self._stopping = True
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:
                pass
        self._thread.join(timeout)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # noqa: BLE001 - reported, the connector decides
            if not self._stopping:
                log.error("streaming stopped", exc_info=True)
                self.on_fatal(exc)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # The CometD library reports its own cancelled long-poll as an error when a client is dropped.
        exc = context.get("exception")
        if self._stopping or isinstance(exc, asyncio.CancelledError):
            log.debug("streaming loop", message=context.get("message"))
        else:
            log.warning("streaming loop error", message=context.get("message"), error=repr(exc))

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.set_exception_handler(self._loop_exception)
        self._task = asyncio.current_task()
        backoff = 0.5
        while not self._stopping:
            try:
                healthy = await self._session()
                backoff = 0.5 if healthy else backoff
                if healthy:
                    continue  # the server asked for a new handshake: do it at once
            except asyncio.CancelledError:
                return
            except AuthenticationError as exc:
                self.on_fatal(exc)
                return
            except Exception as exc:  # noqa: BLE001 - any streaming failure means: reconnect with replay
                log.warning("streaming connection lost; reconnecting", error=f"{type(exc).__name__}: {exc}",
                            retryIn=backoff)
            try:
                await asyncio.sleep(backoff)
            except asyncio.CancelledError:
                return
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _session(self) -> bool:
        """One CometD client from handshake to loss; True when it ended because a new handshake was advised."""
        advice = HandshakeAdvice()
        client = StreamingClient(
            TokenAuthenticator(self.auth, self.instance_url), api_version=self.api_version,
            replay=LedgerReplayStorage(self.ledger), replay_fallback=ReplayOption.ALL_EVENTS,
            replay_storage_policy=ReplayMarkerStoragePolicy.MANUAL, connection_timeout=10.0)
        client.extensions = [*(client.extensions or []), advice]
        if self.ssl_context is not None:
            client.ssl = self.ssl_context
        try:
            await client.open()
            self.ledger.forget_pending()
            for channel in self.channels:
                await client.subscribe(channel)
            first = not self._subscribed_once
            self._subscribed_once = True
            log.info("streaming subscribed", channels=",".join(self.channels))
            self.on_subscribed(first)
            while True:
                receive = asyncio.ensure_future(client.receive())
                handshake = asyncio.ensure_future(advice.triggered.wait())
                try:
                    done, _ = await asyncio.wait({receive, handshake}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    handshake.cancel()
                    if not receive.done():
                        receive.cancel()
                if receive in done:
                    self.on_message(receive.result())
                    continue
                log.info("streaming re-handshake", reason=advice.reason)
                return True
        finally:
            try:
                await asyncio.wait_for(client.close(), 1.0)
            except (Exception, asyncio.CancelledError):  # noqa: BLE001 - the client is being dropped anyway
                pass
