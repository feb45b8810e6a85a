"""Configuration: the environment of the connector contract and the Omni-Channel sync settings file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Always required. The Salesforce user/password pair is optional: without it the connector uses the
# OAuth client-credentials flow.
REQUIRED = (
    "GENESYS_API_URL", "GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET",
    "SALESFORCE_INSTANCE_URL", "SALESFORCE_LOGIN_URL", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET",
    "OMNI_SYNC_SETTINGS", "CONNECTOR_STATE_DIR",
)
DEFAULT_SALESFORCE_API_VERSION = "62.0"
SUPPORTED_MEDIA = ("chat",)


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says exactly what."""


@dataclass(frozen=True)
class QueuePairSetting:
    salesforce: str  # Salesforce queue developer name (a queue routed by external routing)
    genesys: str  # Genesys queue name


@dataclass(frozen=True)
class SyncSettings:
    """What the managed package keeps as its Omni-Channel sync settings (DESIGN §4.3)."""

    media: str
    service_channel: str
    presence: dict[str, str | None]  # Genesys system presence (UPPER_SNAKE) -> Omni status developer name | None
    queues: tuple[QueuePairSetting, ...]

    def genesys_queue_for(self, salesforce_developer_name: str) -> str | None:
        for pair in self.queues:
            if pair.salesforce == salesforce_developer_name:
                return pair.genesys
        return None


@dataclass(frozen=True)
class Env:
    genesys_api_url: str
    genesys_login_url: str
    genesys_client_id: str
    genesys_client_secret: str
    salesforce_instance_url: str
    salesforce_login_url: str
    salesforce_api_version: str
    salesforce_client_id: str
    salesforce_client_secret: str
    salesforce_username: str | None
    salesforce_password: str | None
    salesforce_security_token: str
    sync_settings_path: Path
    state_dir: Path
    ca_file: str | None
    log_level: str = "INFO"
    workers: int = 8
    extra: dict[str, str] = field(default_factory=dict)


def system_presence_key(value: str) -> str:
    """Genesys spells system presences three ways ("On Queue", "OnQueue", "ON_QUEUE"); settings use UPPER_SNAKE."""
    text = value.strip()
    if " " in text or "_" in text or text.isupper():
        return re.sub(r"[\s_]+", "_", text).upper()
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).upper()


def load_env(environ: Mapping[str, str] | None = None) -> Env:
    env = os.environ if environ is None else environ
    missing = [name for name in REQUIRED if not env.get(name, "").strip()]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ConfigError(f"missing environment variable{plural}: {', '.join(missing)}")
    username = env.get("SALESFORCE_USERNAME") or None
    password = env.get("SALESFORCE_PASSWORD") or None
    if bool(username) != bool(password):
        which = "SALESFORCE_PASSWORD" if username else "SALESFORCE_USERNAME"
        raise ConfigError(f"missing environment variable: {which} (the password flow needs both "
                          "SALESFORCE_USERNAME and SALESFORCE_PASSWORD; leave both unset for client credentials)")
    ca_file = env.get("SSL_CERT_FILE") or env.get("REQUESTS_CA_BUNDLE") or None
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"SSL_CERT_FILE names {ca_file}, which is not a readable file")
    state_dir = Path(env["CONNECTOR_STATE_DIR"])
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"CONNECTOR_STATE_DIR {state_dir} cannot be created: {exc}") from exc
    if not os.access(state_dir, os.W_OK):
        raise ConfigError(f"CONNECTOR_STATE_DIR {state_dir} is not writable")
    api_url = env["GENESYS_API_URL"].rstrip("/")
    version = (env.get("SALESFORCE_API_VERSION") or DEFAULT_SALESFORCE_API_VERSION).lstrip("v")
    try:
        workers = max(1, int(env.get("CONNECTOR_WORKERS", "8")))
    except ValueError as exc:
        raise ConfigError("CONNECTOR_WORKERS must be a whole number") from exc
    return Env(
        genesys_api_url=api_url,
        genesys_login_url=(env.get("GENESYS_LOGIN_URL") or api_url).rstrip("/"),
        genesys_client_id=env["GENESYS_CLIENT_ID"],
        genesys_client_secret=env["GENESYS_CLIENT_SECRET"],
        salesforce_instance_url=env["SALESFORCE_INSTANCE_URL"].rstrip("/"),
        salesforce_login_url=env["SALESFORCE_LOGIN_URL"].rstrip("/"),
        salesforce_api_version=version,
        salesforce_client_id=env["SALESFORCE_CLIENT_ID"],
        salesforce_client_secret=env["SALESFORCE_CLIENT_SECRET"],
        salesforce_username=username,
        salesforce_password=password,
        salesforce_security_token=env.get("SALESFORCE_SECURITY_TOKEN", ""),
        sync_settings_path=Path(env["OMNI_SYNC_SETTINGS"]),
        state_dir=state_dir,
        ca_file=ca_file,
        log_level=(env.get("CONNECTOR_LOG_LEVEL") or "INFO").upper(),
        workers=workers,
    )


def parse_sync_settings(data: object, source: str = "sync settings") -> SyncSettings:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the file must hold a JSON object")
    media = data.get("media", "chat")
    if media not in SUPPORTED_MEDIA:
        raise ConfigError(f"{source}: media {media!r} is not supported by this connector (supported: "
                          f"{', '.join(SUPPORTED_MEDIA)})")
    channel = data.get("serviceChannel", "sfdc_livechat")
    if not isinstance(channel, str) or not channel:
        raise ConfigError(f"{source}: serviceChannel must be a service channel developer name")
    presence_raw = data.get("presence", {})
    if not isinstance(presence_raw, dict):
        raise ConfigError(f"{source}: presence must map Genesys system presences to status developer names or null")
    presence: dict[str, str | None] = {}
    for key, value in presence_raw.items():
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(f"{source}: presence[{key!r}] must be a status developer name or null")
        presence[system_presence_key(str(key))] = value
    queues_raw = data.get("queues", [])
    if not isinstance(queues_raw, list) or not queues_raw:
        raise ConfigError(f"{source}: queues must list at least one {{\"salesforce\", \"genesys\"}} pair")
    queues = []
    for i, pair in enumerate(queues_raw):
        if not isinstance(pair, dict) or not isinstance(pair.get("salesforce"), str) \
                or not isinstance(pair.get("genesys"), str):
            raise ConfigError(f"{source}: queues[{i}] must be {{\"salesforce\": <developer name>, "
                              "\"genesys\": <queue name>}}")
        queues.append(QueuePairSetting(pair["salesforce"], pair["genesys"]))
    return SyncSettings(media, channel, presence, tuple(queues))


def load_sync_settings(path: Path) -> SyncSettings:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"OMNI_SYNC_SETTINGS names {path}, which cannot be read: {exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"OMNI_SYNC_SETTINGS {path} is not valid JSON: {exc}") from exc
    return parse_sync_settings(data, source=f"OMNI_SYNC_SETTINGS {path}")
