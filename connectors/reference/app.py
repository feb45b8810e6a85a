"""The connector process: authenticate, learn the directory, listen on both platforms, dispatch to the engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import NAME, __version__
from .config import CHAT, MESSAGING, Env, SyncSettings, system_presence_key
from .directory import Directory
from .dispatch import KeyedExecutor
from .engine import EXTERNAL_ROUTING, SyncEngine
from .events import PresenceChange, change_events, conversation_view, epoch, is_conversation_topic, presence_change
from .genesys_notifications import MAX_TOPICS_PER_CHANNEL, NotificationListener
from .genesys_rest import GenesysAuth, GenesysRest, configure_sdk
from .http import PlatformSession
from .ids import sf_id18
from .logs import get_log
from .ports import AuthenticationError, PlatformError
from .salesforce_rest import SalesforceAuth, SalesforceRest
from .salesforce_streaming import StreamingListener
from .store import Books, ReplayLedger

log = get_log("")

STARTUP_RETRY_SECONDS = 30.0
EXIT_OK, EXIT_CONFIG, EXIT_FATAL = 0, 2, 3


def _plain_http_hosts(url: str) -> tuple[str, ...]:
    parts = urlsplit(url)
    return (parts.netloc,) if parts.scheme == "http" and parts.netloc else ()


class Connector:
    def __init__(self, env: Env, settings: SyncSettings) -> None:
        self.env = env
        self.settings = settings
        self.stop_event = threading.Event()
        self.fatal: Exception | None = None
        session = PlatformSession(env.ca_file, plain_http_hosts=_plain_http_hosts(env.salesforce_instance_url))
        self.sf_auth = SalesforceAuth(env, session)
        self.salesforce = SalesforceRest(env, self.sf_auth, session)
        configure_sdk(env)
        self.genesys_auth = GenesysAuth(env)
        self.genesys = GenesysRest(self.genesys_auth, self.stop_event)
        self.books = Books(env.state_dir)
        self.ledger = ReplayLedger(env.state_dir)
        self.directory = Directory(settings, genesys_email_lookup=self.genesys.user_email,
                                   salesforce_user_lookup=self.salesforce.user_by_email)
        self.engine = SyncEngine(self.genesys, self.salesforce, self.directory, self.books, settings)
        self.executor = KeyedExecutor(env.workers)
        self.listeners: list[NotificationListener] = []
        self.streaming: StreamingListener | None = None
        self._ready_lock = threading.Lock()
        self._waiting_for: set[str] = set()
        self._ready_logged = False

    # -- lifecycle -----------------------------------------------------------------------------------------
    def run(self) -> int:
        log.info("starting", connector=NAME, version=__version__, genesys=self.env.genesys_api_url,
                 salesforce=self.env.salesforce_instance_url, stateDir=str(self.env.state_dir))
        try:
            if not self._startup_step("authenticate", self._authenticate):
                return self._exit_code()
            if not self._startup_step("load directory", self._load_directory):
                return self._exit_code()
            self._start_listeners()
            self.stop_event.wait()
        finally:
            self.shutdown()
        return self._exit_code()

    def request_stop(self) -> None:
        self.stop_event.set()

    def _exit_code(self) -> int:
        return EXIT_FATAL if self.fatal else EXIT_OK

    def _startup_step(self, what: str, step: Callable[[], None]) -> bool:
        """Run a start-up step, retrying network trouble for a while; a refused credential is fatal at once."""
        deadline = time.monotonic() + STARTUP_RETRY_SECONDS
        delay = 0.5
        while not self.stop_event.is_set():
            try:
                step()
                return True
            except AuthenticationError as exc:
                self._fail(exc)
                return False
            except PlatformError as exc:
                if time.monotonic() + delay > deadline:
                    self._fail(exc)
                    return False
                log.warning(f"{what} failed; retrying", status=exc.status, detail=exc.detail[:200], retryIn=delay)
                self.stop_event.wait(delay)
                delay = min(5.0, delay * 2)
        return False

    def _fail(self, exc: Exception) -> None:
        if self.fatal is None:
            self.fatal = exc
            log.error("fatal", error=str(exc))
        self.stop_event.set()

    def shutdown(self) -> None:
        self.stop_event.set()
        for listener in self.listeners:
            listener.close()
        if self.streaming is not None:
            self.streaming.stop(1.0)
        for listener in self.listeners:
            listener.join(0.3)
        self.executor.stop(0.5)
        log.info("stopped")

    # -- start-up ---------------------------------------------------------------------------------------
    def _authenticate(self) -> None:
        self.genesys_auth.authenticate()
        log.info("genesys authenticated", clientId=self.env.genesys_client_id)
        self.sf_auth.token()
        log.info("salesforce authenticated", user=self.env.salesforce_username or "client credentials")

    def _load_directory(self) -> None:
        d = self.directory
        users = self.genesys.users()
        d.add_genesys_users((uid, email) for uid, email, _, _ in users)
        d.genesys_queues.update(self.genesys.queues())
        d.add_salesforce_users(self.salesforce.users())
        d.salesforce_queues.update(self.salesforce.developer_names("Group", "Type = 'Queue'"))
        d.statuses.update(self.salesforce.developer_names("ServicePresenceStatus"))
        d.channels.update(self.salesforce.developer_names("ServiceChannel"))
        if any(pair.open_messaging_integration for pair in self.settings.queues):
            d.integrations.update(self.genesys.open_messaging_integrations())  # names resolved once, here
        for problem in d.missing():
            log.warning("sync settings name something the orgs lack", missing=problem)
        log.info("directory loaded", pairedUsers=len(d.paired_genesys_users()), genesysUsers=len(d.genesys_users),
                 salesforceUsers=len(d.salesforce_users), queuePairs=len(self.settings.queues))

    def _start_listeners(self) -> None:
        users = self.directory.paired_genesys_users()
        per_user = ["presence"]
        if self.settings.handles(CHAT):
            per_user.append("conversations.chats")
        if self.settings.handles(MESSAGING):
            per_user.append("conversations.messages")
        topics = [f"v2.users.{uid}.{what}" for uid in users for what in per_user]
        # Messaging queues are followed too: a conversation the customer's message brought back shows there
        # before any agent is alerted.
        topics += [f"v2.routing.queues.{qid}.conversations.messages"
                   for qid in self.directory.genesys_queue_ids(MESSAGING)]
        if not topics:
            log.warning("no user exists on both platforms; nothing to follow in Genesys Cloud")
        chunks = [topics[i:i + MAX_TOPICS_PER_CHANNEL] for i in range(0, len(topics), MAX_TOPICS_PER_CHANNEL)]
        with self._ready_lock:
            self._waiting_for = {f"genesys-{i}" for i in range(len(chunks))} | {"salesforce"}
        self.streaming = StreamingListener(
            self.sf_auth, self.env.salesforce_instance_url, self.env.salesforce_api_version, self.ledger,
            on_message=self._on_salesforce_message, on_subscribed=self._on_streaming_subscribed,
            on_fatal=self._fail, ca_file=self.env.ca_file)
        self.streaming.start()
        for i, chunk in enumerate(chunks):
            listener = NotificationListener(self.genesys, chunk, on_event=self._on_genesys_event,
                                            on_open=self._on_socket_open, ca_file=self.env.ca_file,
                                            stop=self.stop_event, on_fatal=self._fail, name=f"genesys-{i}")
            self.listeners.append(listener)
            listener.start()

    def _mark_ready(self, part: str) -> None:
        with self._ready_lock:
            self._waiting_for.discard(part)
            if self._waiting_for or self._ready_logged:
                return
            self._ready_logged = True
        log.info("ready", genesysChannels=len(self.listeners),
                 streamingChannels=",".join(self.streaming.channels if self.streaming else ()))

    # -- Genesys side --------------------------------------------------------------------------------------
    def _on_socket_open(self, listener: NotificationListener, first: bool) -> None:
        self._mark_ready(listener.name)
        # Whatever changed while the socket was away (or the connector was stopped) is read back now.
        threading.Thread(target=self._reconcile_genesys, args=(listener.topics,), name="reconcile",
                         daemon=True).start()

    def _on_genesys_event(self, topic: str, body: dict[str, Any]) -> None:
        change = presence_change(topic, body)
        if change is not None:
            self.executor.submit(f"user:{change.user_id}", lambda: self.engine.on_presence(change))
            return
        if is_conversation_topic(topic):
            view = conversation_view(body)
            key = self.engine.key_for_conversation(view) if view else None
            if key:
                self.executor.submit(key, lambda: self.engine.on_conversation(view))

    def _reconcile_genesys(self, topics: list[str]) -> None:
        users = {t.split(".")[2] for t in topics if t.endswith(".presence")}
        try:
            for uid, _email, presence, modified in self.genesys.users():
                if uid in users and presence:
                    change = PresenceChange(uid, system_presence_key(presence), epoch(modified), snapshot=True)
                    self.executor.submit(f"user:{uid}", lambda c=change: self.engine.on_presence(c))
        except PlatformError as exc:
            log.warning("presence reconciliation failed", status=exc.status)
        for rec in self.books.active():
            wid = rec.work_item_id
            self.executor.submit(f"wi:{wid}", lambda w=wid: self.engine.reconcile(w))

    # -- Salesforce side ---------------------------------------------------------------------------------
    def _on_streaming_subscribed(self, first: bool) -> None:
        self._mark_ready("salesforce")
        if first:
            threading.Thread(target=self._reconcile_routing, name="reconcile-routing", daemon=True).start()

    def _on_salesforce_message(self, message: dict[str, Any]) -> None:
        events = change_events(message)
        channel = str(message.get("channel") or "")
        data = message.get("data") if isinstance(message.get("data"), dict) else {}
        replay_id = (data.get("event") or {}).get("replayId") if isinstance(data.get("event"), dict) else None
        if isinstance(replay_id, int):
            self.ledger.received(channel, replay_id)
        if not events:
            if isinstance(replay_id, int):
                self.ledger.processed(channel, replay_id)
            return
        remaining = [len(events)]
        lock = threading.Lock()

        def done() -> None:
            with lock:
                remaining[0] -= 1
                last = remaining[0] == 0
            if last and isinstance(replay_id, int):
                self.ledger.processed(channel, replay_id)

        for event in events:
            self.executor.submit(self.engine.key_for_change(event), lambda e=event: self.engine.on_change(e), done)

    def _reconcile_routing(self) -> None:
        """Routing requests waiting since before the connector subscribed (first start, or lost replay)."""
        try:
            rows = self.salesforce.query(
                "SELECT Id, WorkItemId, GroupId, ServiceChannelId, RoutingModel, IsTransfer, IsPushed, "
                f"IsReadyForRouting FROM PendingServiceRouting WHERE RoutingModel = '{EXTERNAL_ROUTING}'")
        except PlatformError as exc:
            log.warning("routing reconciliation failed", status=exc.status, detail=exc.detail[:200])
            return
        for row in rows:
            psr_id = sf_id18(row.get("Id"))
            wid = sf_id18(row.get("WorkItemId"))
            if not psr_id or not wid or row.get("IsPushed") or row.get("IsReadyForRouting") is False:
                continue
            if self.books.work_item_for_psr(psr_id):
                continue
            self.executor.submit(f"wi:{wid}", lambda p=psr_id, r=row: self.engine.route(p, r, verify=False))
