"""The Omni-Channel sync settings a connector reads (DESIGN §4.3): media, channel, presence mapping, queue pairs."""

from __future__ import annotations

from typing import Any

from fakes.core.seed import SeedPlan

from .seed import CHAT_CHANNEL

PRESENCE_MAPPING: dict[str, str | None] = {
    "ON_QUEUE": "Online", "AWAY": "Away", "BREAK": "Away", "MEAL": "Away", "TRAINING": "Away", "MEETING": "Away",
    "AVAILABLE": None, "BUSY": None, "OFFLINE": None, "IDLE": None,
}


def sync_settings(plan: SeedPlan, media: str = "chat") -> dict[str, Any]:
    return {
        "media": media,
        "serviceChannel": CHAT_CHANNEL if media == "chat" else "sfdc_livemessage",
        "presence": dict(PRESENCE_MAPPING),
        "queues": [{"salesforce": q.salesforce_developer_name, "genesys": q.genesys_name} for q in plan.queue_pairs],
    }
