"""The idle connector's two sessions: a Genesys notification channel and socket, a Salesforce CometD client."""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
from dataclasses import dataclass

import requests
import websocket

log = logging.getLogger("omni_harness.connectors.idle")


@dataclass
class Settings:
    genesys_api: str
    genesys_login: str
    genesys_client_id: str
    genesys_client_secret: str
    salesforce_login: str
    salesforce_version: str
    salesforce_client_id: str
    salesforce_client_secret: str
    salesforce_username: str
    salesforce_password: str
    ca_file: str | None

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        password = env["SALESFORCE_PASSWORD"] + env.get("SALESFORCE_SECURITY_TOKEN", "")
        return cls(env["GENESYS_API_URL"].rstrip("/"), env.get("GENESYS_LOGIN_URL", env["GENESYS_API_URL"]).rstrip("/"),
                   env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"],
                   env.get("SALESFORCE_LOGIN_URL", env["SALESFORCE_INSTANCE_URL"]).rstrip("/"),
                   env.get("SALESFORCE_API_VERSION", "67.0"), env["SALESFORCE_CLIENT_ID"],
                   env["SALESFORCE_CLIENT_SECRET"], env["SALESFORCE_USERNAME"], password,
                   env.get("SSL_CERT_FILE") or env.get("REQUESTS_CA_BUNDLE"))


class IdleConnector:
    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.http = requests.Session()
        if settings.ca_file:
            self.http.verify = settings.ca_file
        self.ws: websocket.WebSocket | None = None
        self.threads: list[threading.Thread] = []

    def start(self, stop: threading.Event) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        self._genesys()
        self._salesforce(stop)
        log.info("authenticated and subscribed on both platforms; idling")

    # -- Genesys: a channel, its topics, its socket ------------------------------------------------
    def _genesys(self) -> None:
        s = self.s
        token = self.http.post(f"{s.genesys_login}/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(s.genesys_client_id, s.genesys_client_secret)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        users = self.http.get(f"{s.genesys_api}/api/v2/users", params={"pageSize": 100}, headers=headers).json()
        channel = self.http.post(f"{s.genesys_api}/api/v2/notifications/channels", headers=headers).json()
        topics = [{"id": f"v2.users.{u['id']}.presence"} for u in users.get("entities", [])][:1000]
        self.http.put(f"{s.genesys_api}/api/v2/notifications/channels/{channel['id']}/subscriptions",
                      json=topics, headers=headers).raise_for_status()
        sslopt = {"ca_certs": s.ca_file, "cert_reqs": ssl.CERT_REQUIRED} if s.ca_file else {}
        self.ws = websocket.create_connection(channel["connectUri"], sslopt=sslopt)
        thread = threading.Thread(target=self._drain_socket, name="idle-genesys-socket", daemon=True)
        thread.start()
        self.threads.append(thread)

    def _drain_socket(self) -> None:
        try:
            while self.ws is not None:
                self.ws.recv()  # every notification is read and ignored
        except Exception as exc:  # the socket closes when the run ends
            log.info("notification socket closed: %s", exc)

    # -- Salesforce: a CometD client subscribed to change events -------------------------------------
    def _salesforce(self, stop: threading.Event) -> None:
        s = self.s
        body = self.http.post(f"{s.salesforce_login}/services/oauth2/token", data={
            "grant_type": "password", "client_id": s.salesforce_client_id, "client_secret": s.salesforce_client_secret,
            "username": s.salesforce_username, "password": s.salesforce_password}).json()
        self.cometd = f"{body['instance_url'].rstrip('/')}/cometd/{s.salesforce_version}"
        self.sf_headers = {"Authorization": f"Bearer {body['access_token']}"}
        self._handshake_and_subscribe()
        thread = threading.Thread(target=self._poll, args=(stop,), name="idle-salesforce-cometd", daemon=True)
        thread.start()
        self.threads.append(thread)

    def _bayeux(self, messages: list[dict]) -> list[dict]:
        resp = self.http.post(self.cometd, data=json.dumps(messages), timeout=180,
                              headers={**self.sf_headers, "Content-Type": "application/json"})
        return resp.json()

    def _handshake_and_subscribe(self) -> None:
        reply = self._bayeux([{"channel": "/meta/handshake", "version": "1.0", "minimumVersion": "1.0",
                               "supportedConnectionTypes": ["long-polling"], "id": "1"}])
        self.client_id = reply[0]["clientId"]
        self._bayeux([{"channel": "/meta/subscribe", "clientId": self.client_id, "id": "2",
                       "subscription": "/data/AgentWorkChangeEvent",
                       "ext": {"replay": {"/data/AgentWorkChangeEvent": -1}}}])

    def _poll(self, stop: threading.Event) -> None:
        n = 3
        while not stop.is_set():
            try:
                replies = self._bayeux([{"channel": "/meta/connect", "clientId": self.client_id,
                                         "connectionType": "long-polling", "id": str(n)}])
            except (requests.RequestException, ValueError) as exc:
                log.info("streaming poll failed: %s", exc)
                return
            n += 1
            for reply in replies:
                advice = reply.get("advice") or {}
                if reply.get("channel") == "/meta/connect" and not reply.get("successful", True) \
                        and advice.get("reconnect") == "handshake":
                    self._handshake_and_subscribe()  # stay subscribed, still doing nothing

    def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass
