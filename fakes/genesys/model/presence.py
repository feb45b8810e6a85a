"""Presence and routing-status vocabulary: the system presence definitions and the routing status enum."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..errors import not_found


class RoutingStatus(StrEnum):
    OFF_QUEUE = "OFF_QUEUE"
    IDLE = "IDLE"
    INTERACTING = "INTERACTING"
    NOT_RESPONDING = "NOT_RESPONDING"
    COMMUNICATING = "COMMUNICATING"


@dataclass(frozen=True)
class SystemPresence:
    """One system presence definition; the ids are the same in every org."""

    id: str
    label: str  # REST user presence and the legacy endpoint: "On Queue"
    enum: str  # `/api/v2/presence/definitions`: "OnQueue"
    upper: str  # notification payloads: "ON_QUEUE"


SYSTEM_PRESENCES: tuple[SystemPresence, ...] = (
    SystemPresence("6a3af858-942f-489d-9700-5f9bcdcdae9b", "Available", "Available", "AVAILABLE"),
    SystemPresence("5e5c5c66-ea97-4e7f-ac41-6424784829f2", "Away", "Away", "AWAY"),
    SystemPresence("31fe3bac-dea6-44b7-bed7-47f91660a1a0", "Busy", "Busy", "BUSY"),
    SystemPresence("ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5", "Offline", "Offline", "OFFLINE"),
    SystemPresence("7ffa01cd-7866-4ad7-8faa-31e11b42f51f", "Idle", "Idle", "IDLE"),
    SystemPresence("e08eaf1b-ee47-4fa9-a231-1200e284798f", "On Queue", "OnQueue", "ON_QUEUE"),
    SystemPresence("3fd96123-badb-4f69-bc03-1b1ccc6d8014", "Meal", "Meal", "MEAL"),
    SystemPresence("d2390a99-8546-bad9-8f0a-219548e8aeb0", "Training", "Training", "TRAINING"),
    SystemPresence("bbdff279-7ae1-48ea-bade-7831d7234c64", "Meeting", "Meeting", "MEETING"),
    SystemPresence("227b37e2-f1d0-4dd0-8f50-badd7cf6d158", "Break", "Break", "BREAK"),
)
BY_ID: dict[str, SystemPresence] = {p.id: p for p in SYSTEM_PRESENCES}
BY_LABEL: dict[str, SystemPresence] = {p.label: p for p in SYSTEM_PRESENCES}
ON_QUEUE = BY_LABEL["On Queue"]
OFFLINE = BY_LABEL["Offline"]
AVAILABLE = BY_LABEL["Available"]


def definition(definition_id: str) -> SystemPresence:
    """One presence definition by id (`/presence/definitions/{id}`, `/presencedefinitions/{id}`)."""
    found = BY_ID.get(definition_id)
    if found is None:
        raise not_found()
    return found


def definitions(retired: bool = False) -> list[SystemPresence]:
    """The org's presence definitions; `retired` asks for the deactivated (or deleted) ones, of which it has none."""
    return [] if retired else list(SYSTEM_PRESENCES)
