"""The requirement catalogue (DESIGN §4.4): ids, profiles, statements, sources; `contracts/requirements.yaml` wins
when it exists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

REQUIREMENT_TAG = re.compile(r"^[A-Z]+-\d+$")


class Profile(StrEnum):
    CORE = "core"
    EXTENDED = "extended"
    RESILIENCE = "resilience"
    SCALE = "scale"


# What `--profile` selects: each profile includes the ones before it.
PROFILE_SELECTION: dict[str, tuple[Profile, ...]] = {
    "core": (Profile.CORE,),
    "extended": (Profile.CORE, Profile.EXTENDED),
    "all": (Profile.CORE, Profile.EXTENDED, Profile.RESILIENCE, Profile.SCALE),
}


@dataclass(frozen=True)
class Requirement:
    id: str
    profile: Profile
    statement: str
    source: str


_BUILTIN = (
    Requirement("PRES-1", Profile.CORE, "Going On Queue in the client sets the Omni-Channel status Online.", "step 1"),
    Requirement("ROUTE-1", Profile.CORE, "An externally routed chat alerts an On Queue agent in the client and "
                "carries its Salesforce work item.", "step 2"),
    Requirement("ROUTE-2", Profile.CORE, "A plain web chat stays in the client: no Salesforce work item.",
                "introduction"),
    Requirement("PICK-1", Profile.CORE, "Pick Up connects the chat in the client.", "step 2"),
    Requirement("PICK-2", Profile.CORE, "Pick Up makes Omni-Channel generate the work item for that agent and open "
                "it in the console.", "step 2"),
    Requirement("END-1", Profile.CORE, "Disconnect in the client closes the work item.", "step 4"),
    Requirement("END-2", Profile.CORE, "Closing the work item in Salesforce disconnects the client.", "step 4"),
    Requirement("END-3", Profile.CORE, "While the chat window stays open the interaction stays and no new chat is "
                "routed; closing it disconnects and routing resumes.", "step 4, note"),
    Requirement("WRAP-1", Profile.CORE, "The wrap-up window opens automatically after the disconnect.", "step 5"),
    Requirement("WRAP-2", Profile.CORE, "A wrap-up code and Done record the code and make the agent routable; a "
                "code outside the queue's list is refused.", "step 5"),
    Requirement("XFER-1", Profile.CORE, "The client cannot transfer an externally routed chat; nothing changes.",
                "Transfer"),
    Requirement("XFER-2", Profile.CORE, "A transfer to an agent in Salesforce: when the receiver accepts, the "
                "sender's work item is disconnected and the sender's client leg ends.", "Transfer"),
    Requirement("XFER-3", Profile.CORE, "A transfer to a queue in Salesforce routes the chat again.", "Transfer"),
    Requirement("ACCEPT-1", Profile.CORE, "The receiver's client alerts the transferred chat as the same Salesforce "
                "work item.", "Accept"),
    Requirement("ACCEPT-2", Profile.CORE, "Accepting the alert starts the conversation for the receiver.", "Accept"),
    Requirement("PRES-2", Profile.EXTENDED, "Leaving On Queue leaves Omni-Channel Online.", "expected"),
    Requirement("PICK-3", Profile.EXTENDED, "An alert that times out makes the agent NOT_RESPONDING and routes the "
                "chat to another agent; the first agent gets no work item.", "expected"),
    Requirement("XFER-4", Profile.EXTENDED, "When the receiver declines or lets the alert time out, the sender keeps "
                "the chat.", "expected"),
    Requirement("RES-1", Profile.RESILIENCE, "429 with Retry-After is retried.", "expected"),
    Requirement("RES-2", Profile.RESILIENCE, "An expired or revoked token is renewed.", "expected"),
    Requirement("RES-3", Profile.RESILIENCE, "A dropped notification socket or expired channel is recovered.",
                "expected"),
    Requirement("RES-4", Profile.RESILIENCE, "A streaming 403::Unknown client or drop re-handshakes with replay; no "
                "event is lost.", "expected"),
    Requirement("RES-5", Profile.RESILIENCE, "A connector restart mid-chat loses nothing.", "expected"),
    Requirement("RES-6", Profile.RESILIENCE, "A duplicate event delivery creates no duplicate work item.", "expected"),
    Requirement("SCALE-1", Profile.SCALE, "Many agents and concurrent chats: every flow completes.", "expected"),
)


@cache
def catalogue() -> dict[str, Requirement]:
    """Requirement by id, from `contracts/requirements.yaml` when present, else the built-in list above."""
    out = {r.id: r for r in _BUILTIN}
    try:
        import contracts

        path = Path(contracts.ROOT) / "requirements.yaml"
    except ImportError:
        return out
    if not path.exists():
        return out
    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    items = data.get("requirements", data) if isinstance(data, dict) else data
    if isinstance(items, dict):
        items = [dict(v, id=k) for k, v in items.items()]
    for item in items or []:
        if not isinstance(item, dict) or "id" not in item:
            continue
        try:
            profile = Profile(str(item.get("profile", "core")).lower())
        except ValueError:
            continue
        base = out.get(item["id"])
        out[item["id"]] = Requirement(item["id"], profile, item.get("statement") or (base.statement if base else ""),
                                      str(item.get("source") or (base.source if base else "")))
    return out


def selected_profiles(profile: str) -> tuple[Profile, ...]:
    if profile not in PROFILE_SELECTION:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILE_SELECTION)}")
    return PROFILE_SELECTION[profile]
