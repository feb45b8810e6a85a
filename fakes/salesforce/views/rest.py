"""REST API bodies under `/services/data/`: versions, resources, limits, records with their `attributes`."""

from __future__ import annotations

import copy
from typing import Any

from ..config import MAX_API_VERSION, MIN_API_VERSION
from ..model.schema import SObjectType
from ..model.soql import record_attributes

_SEASONS = ("Winter", "Spring", "Summer")

# The resources of `GET /services/data/vXX.X` (all but identity point under the version).
RESOURCE_NAMES = ("tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing", "jsonxform", "chatter",
                  "tabs", "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot", "analytics", "search",
                  "smartdatadiscovery", "identity", "composite", "parameterizedSearch", "fingerprint", "theme", "nouns",
                  "domino", "event", "serviceTemplates", "recent", "connect", "licensing", "limits", "process",
                  "dedupe", "async-queries", "query", "jobs", "match", "emailConnect", "localizedvalue", "mobile",
                  "consent", "tokenizer", "sobjects", "actions", "support")


def release_label(major: int) -> str:
    """41.0 is Winter '18; three releases a year."""
    n = major - MIN_API_VERSION
    return f"{_SEASONS[n % 3]} '{18 + n // 3:02d}"


def versions() -> list[dict[str, str]]:
    return [{"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(MIN_API_VERSION, MAX_API_VERSION + 1)]


def resources(version: str, identity_url: str) -> dict[str, str]:
    base = f"/services/data/v{version}"
    out = {name: f"{base}/{name}" for name in RESOURCE_NAMES}
    out["identity"] = identity_url
    return out


def limits(total: int, used: int) -> dict[str, Any]:
    return {
        "DailyApiRequests": {"Max": total, "Remaining": max(0, total - used)},
        "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
        "DailyStreamingApiEvents": {"Max": 10000, "Remaining": 10000},
        "DailyDurableStreamingApiEvents": {"Max": 10000, "Remaining": 10000},
    }


def record(otype: SObjectType, values: dict[str, Any], version: str, fields: list[str] | None = None) -> dict[str, Any]:
    """A record as REST answers it: `attributes` first, then every field (or the ones asked for, Id always)."""
    out: dict[str, Any] = {"attributes": record_attributes(otype.name, values["Id"], version)}
    if fields is None:
        out.update(copy.deepcopy(values))
    else:
        for name in fields:
            out[name] = copy.deepcopy(values.get(name))
        out.setdefault("Id", values["Id"])
    return out


def create_result(record_id: str) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": []}
