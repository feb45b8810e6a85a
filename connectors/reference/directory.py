"""Who is who on both platforms: users matched by email, paired queues, Omni status and channel ids."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .config import QueuePairSetting, SyncSettings
from .ids import sf_id18


def _email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


@dataclass
class Directory:
    settings: SyncSettings
    genesys_users: dict[str, str] = field(default_factory=dict)  # Genesys user id -> email
    salesforce_users: dict[str, str] = field(default_factory=dict)  # Salesforce user id (18) -> email
    genesys_queues: dict[str, str] = field(default_factory=dict)  # Genesys queue name -> id
    salesforce_queues: dict[str, str] = field(default_factory=dict)  # queue developer name -> Group id (18)
    statuses: dict[str, str] = field(default_factory=dict)  # ServicePresenceStatus developer name -> id (18)
    channels: dict[str, str] = field(default_factory=dict)  # ServiceChannel developer name -> id (18)
    integrations: dict[str, str] = field(default_factory=dict)  # Open Messaging integration name -> id
    # Optional look-ups for people added after start-up: Genesys user id -> email, email -> Salesforce user id.
    genesys_email_lookup: Callable[[str], str | None] | None = None
    salesforce_user_lookup: Callable[[str], str | None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _not_in_salesforce: set[str] = field(default_factory=set, repr=False)  # emails looked up without a match

    # -- building ---------------------------------------------------------------------------------
    def add_genesys_users(self, users: Iterable[tuple[str, str | None]]) -> None:
        with self._lock:
            for uid, email in users:
                if _email(email):
                    self.genesys_users[uid] = _email(email)  # type: ignore[assignment]

    def add_salesforce_users(self, users: Iterable[tuple[str, str | None]]) -> None:
        with self._lock:
            for uid, email in users:
                if _email(email):
                    self.salesforce_users[sf_id18(uid) or uid] = _email(email)  # type: ignore[assignment]

    # -- users ------------------------------------------------------------------------------------
    def salesforce_user_for(self, genesys_user_id: str) -> str | None:
        with self._lock:
            email = self.genesys_users.get(genesys_user_id)
        if email is None and self.genesys_email_lookup:
            email = _email(self.genesys_email_lookup(genesys_user_id))
            if email:
                with self._lock:
                    self.genesys_users[genesys_user_id] = email
        if email is None:
            return None
        with self._lock:
            for uid, sf_email in self.salesforce_users.items():
                if sf_email == email:
                    return uid
        if self.salesforce_user_lookup and email not in self._not_in_salesforce:
            try:
                uid = sf_id18(self.salesforce_user_lookup(email))
            except Exception:  # noqa: BLE001 - a failed look-up is retried on the next event
                return None
            with self._lock:
                if uid:
                    self.salesforce_users[uid] = email
                else:
                    self._not_in_salesforce.add(email)  # ask once, not on every event about this person
            return uid
        return None

    def genesys_user_for(self, salesforce_user_id: str) -> str | None:
        sf_id = sf_id18(salesforce_user_id) or salesforce_user_id
        with self._lock:
            email = self.salesforce_users.get(sf_id)
            if email is None:
                return None
            for uid, g_email in self.genesys_users.items():
                if g_email == email:
                    return uid
        return None

    def paired_genesys_users(self) -> list[str]:
        """Genesys users who also exist in Salesforce: the people whose events the connector follows."""
        with self._lock:
            emails = set(self.salesforce_users.values())
            return sorted(uid for uid, email in self.genesys_users.items() if email in emails)

    # -- queues, statuses, channels ------------------------------------------------------------------
    def pair_for_group(self, group_id: str | None) -> QueuePairSetting | None:
        """The queue pair of a Salesforce queue (Group id), or None when it is not paired."""
        gid = sf_id18(group_id)
        if not gid:
            return None
        for developer_name, sf_queue_id in self.salesforce_queues.items():
            if sf_queue_id == gid:
                return self.settings.pair_for(developer_name)
        return None

    def genesys_queue_for_group(self, group_id: str | None) -> str | None:
        """The Genesys queue id paired with a Salesforce queue (Group id), or None when it is not paired."""
        pair = self.pair_for_group(group_id)
        return self.genesys_queues.get(pair.genesys) if pair else None

    def genesys_queue_ids(self, medium: str) -> list[str]:
        """The Genesys queues of the pairs of one medium (those the directory found)."""
        return [self.genesys_queues[p.genesys] for p in self.settings.queues
                if p.media == medium and p.genesys in self.genesys_queues]

    def integration_id(self, name: str | None) -> str | None:
        return self.integrations.get(name) if name else None

    def status_id(self, developer_name: str) -> str | None:
        return self.statuses.get(developer_name)

    def service_channel_id(self, medium: str | None = None) -> str | None:
        """The service channel id of a medium's work items (the file's medium when none is named)."""
        return self.channels.get(self.settings.service_channel_for(medium or self.settings.media))

    def missing(self) -> list[str]:
        """Configuration the settings name but the orgs lack (reported once at start-up)."""
        problems = []
        for pair in self.settings.queues:
            if pair.salesforce not in self.salesforce_queues:
                problems.append(f"Salesforce queue {pair.salesforce!r}")
            if pair.genesys not in self.genesys_queues:
                problems.append(f"Genesys queue {pair.genesys!r}")
        for status in {s for s in self.settings.presence.values() if s}:
            if status not in self.statuses:
                problems.append(f"Omni-Channel status {status!r}")
        for channel in self.settings.service_channels:
            if channel not in self.channels:
                problems.append(f"service channel {channel!r}")
        for pair in self.settings.queues:
            if pair.open_messaging_integration and pair.open_messaging_integration not in self.integrations:
                problems.append(f"Open Messaging integration {pair.open_messaging_integration!r}")
        return problems
