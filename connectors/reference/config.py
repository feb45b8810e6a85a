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
SUPPORTED_MEDIA = ("chat", "messaging")
CHAT, MESSAGING = SUPPORTED_MEDIA
# The Omni-Channel service channel each medium's work items use when the settings name none.
DEFAULT_SERVICE_CHANNELS = {CHAT: "sfdc_livechat", MESSAGING: "sfdc_livemessage"}


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says exactly what."""


@dataclass(frozen=True)
class QueuePairSetting:
    salesforce: str  # Salesforce queue developer name (a queue routed by external routing)
    genesys: str  # Genesys queue name
    media: str = CHAT
    service_channel: str = DEFAULT_SERVICE_CHANNELS[CHAT]  # developer name of the work items' service channel
    open_messaging_integration: str | None = None  # Genesys Open Messaging integration name (messaging only)

    @property
    def messaging(self) -> bool:
        return self.media == MESSAGING


@dataclass(frozen=True)
class SyncSettings:
    """What the managed package keeps as its Omni-Channel sync settings (DESIGN §4.3, §4.7).

    `media` is the file's medium, or `media_list` its media when it names several; every queue pair carries its
    own medium, service channel and (for messaging) Open Messaging integration.
    """

    media: str
    service_channel: str
    presence: dict[str, str | None]  # Genesys system presence (UPPER_SNAKE) -> Omni status developer name | None
    queues: tuple[QueuePairSetting, ...]
    media_list: tuple[str, ...] = ()

    @property
    def all_media(self) -> tuple[str, ...]:
        return self.media_list or (self.media,)

    def handles(self, medium: str) -> bool:
        return medium in self.all_media

    def pair_for(self, salesforce_developer_name: str) -> QueuePairSetting | None:
        for pair in self.queues:
            if pair.salesforce == salesforce_developer_name:
                return pair
        return None

    def genesys_queue_for(self, salesforce_developer_name: str) -> str | None:
        pair = self.pair_for(salesforce_developer_name)
        return pair.genesys if pair else None

    def service_channel_for(self, medium: str) -> str:
        """The service channel of a medium's work items: its queues', else the file's, else the platform's."""
        for pair in self.queues:
            if pair.media == medium:
                return pair.service_channel
        if medium == self.media and self.service_channel:
            return self.service_channel
        return DEFAULT_SERVICE_CHANNELS[medium]

    @property
    def service_channels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(pair.service_channel for pair in self.queues))


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


def _media(value: object, source: str) -> tuple[str, ...]:
    """`media` is one medium ("chat") or a list of them (["chat", "messaging"])."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(m, str) for m in items):
        raise ConfigError(f"{source}: media must be a medium or a list of media ({', '.join(SUPPORTED_MEDIA)})")
    for medium in items:
        if medium not in SUPPORTED_MEDIA:
            raise ConfigError(f"{source}: media {medium!r} is not supported by this connector (supported: "
                              f"{', '.join(SUPPORTED_MEDIA)})")
    return tuple(dict.fromkeys(items))


def _queue_pair(raw: object, i: int, media: tuple[str, ...], file_channel: str | None,
                source: str) -> QueuePairSetting:
    where = f"{source}: queues[{i}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("salesforce"), str) \
            or not isinstance(raw.get("genesys"), str):
        raise ConfigError(f"{where} must be {{\"salesforce\": <developer name>, \"genesys\": <queue name>}}")
    medium = raw.get("media")
    if medium is None:
        if len(media) > 1:
            raise ConfigError(f"{where} must name its media (one of {', '.join(media)}): the file names several")
        medium = media[0]  # an entry without media takes the file's medium (files written before messaging)
    if not isinstance(medium, str) or medium not in SUPPORTED_MEDIA:
        raise ConfigError(f"{where}: media {medium!r} is not supported by this connector (supported: "
                          f"{', '.join(SUPPORTED_MEDIA)})")
    if medium not in media:
        raise ConfigError(f"{where}: media {medium!r} is not among the file's media ({', '.join(media)})")
    channel = raw.get("serviceChannel")
    if channel is None:
        channel = file_channel if file_channel and len(media) == 1 else DEFAULT_SERVICE_CHANNELS[medium]
    if not isinstance(channel, str) or not channel:
        raise ConfigError(f"{where}: serviceChannel must be a service channel developer name")
    integration = raw.get("openMessagingIntegration")
    if medium == MESSAGING and (not isinstance(integration, str) or not integration.strip()):
        raise ConfigError(f"{where}: a messaging queue needs \"openMessagingIntegration\", the name of the Genesys "
                          "Cloud Open Messaging integration that raises its interactions")
    if medium != MESSAGING and integration is not None:
        raise ConfigError(f"{where}: openMessagingIntegration belongs to messaging queues only")
    return QueuePairSetting(raw["salesforce"], raw["genesys"], medium, channel,
                            integration.strip() if isinstance(integration, str) else None)


def parse_sync_settings(data: object, source: str = "sync settings") -> SyncSettings:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the file must hold a JSON object")
    media = _media(data.get("media", CHAT), source)
    channel = data.get("serviceChannel")
    if channel is not None and (not isinstance(channel, str) or not channel):
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
    queues = tuple(_queue_pair(raw, i, media, channel, source) for i, raw in enumerate(queues_raw))
    names = [pair.salesforce for pair in queues]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{source}: the Salesforce queue {duplicates[0]!r} is paired more than once")
    file_channel = channel if len(media) == 1 and channel else DEFAULT_SERVICE_CHANNELS[media[0]]
    return SyncSettings(media[0], file_channel, presence, queues, media if len(media) > 1 else ())


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
