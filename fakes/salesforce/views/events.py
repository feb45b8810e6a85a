"""Streaming event bodies: Change Data Capture events and PushTopic events as CometD delivers them (JSON)."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from ..streaming.channels import RecordChange, Transaction

# Not carried by change events (CDC docs, "Change Event Fields"); the record id travels in `recordIds`.
_NOT_IN_CHANGE_EVENTS = frozenset({"Id", "IsDeleted", "SystemModstamp"})

_REST_DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\+0000$")


def event_datetime(value: Any) -> Any:
    """REST datetimes (`...+0000`) as change events and PushTopic events write them (`...Z`).

    inferred: CometD JSON change events carry datetimes as ISO-8601 strings in UTC with `Z`.
    """
    if isinstance(value, str):
        match = _REST_DATETIME.match(value)
        if match:
            return match.group(1) + "Z"
    return value


def iso_z(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def schema_id(name: str) -> str:
    """A stable 22-character schema id per event type, like the platform's Avro schema ids."""
    digest = hashlib.sha256(f"schema:{name}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def change_event(change: RecordChange, txn: Transaction, sequence: int, is_end: bool, replay_id: int) -> dict[str, Any]:
    """The `data` of a change event: schema, payload (ChangeEventHeader and fields), event.replayId."""
    fields, changed, nulled = _body(change)
    header = {
        "entityName": change.entity,
        "recordIds": [change.record_id],
        "changeType": change.change_type,
        "changeOrigin": change.change_origin,
        "transactionKey": change.transaction_key,
        "sequenceNumber": sequence,
        "isTransactionEnd": is_end,
        "commitTimestamp": txn.commit_timestamp,
        "commitNumber": txn.commit_number,
        "commitUser": change.commit_user,
        "changedFields": changed,
        # inferred: no field of these objects is a large text area sent as a diff.
        "diffFields": [],
        "nulledFields": nulled,
    }
    payload: dict[str, Any] = {"ChangeEventHeader": header}
    payload.update(fields)
    return {"schema": schema_id(f"{change.entity}ChangeEvent"), "payload": payload,
            "event": {"replayId": replay_id}}


def _body(change: RecordChange) -> tuple[dict[str, Any], list[str], list[str]]:
    """CometD JSON body (CDC docs, "Change Event Body Fields"): CREATE and UNDELETE carry every non-empty
    field, UPDATE only the changed fields plus LastModifiedDate, DELETE none; `changedFields` and
    `nulledFields` are filled for UPDATE only."""
    record = change.record
    if change.change_type in ("CREATE", "UNDELETE"):
        fields = {k: event_datetime(v) for k, v in record.items()
                  if v is not None and k not in _NOT_IN_CHANGE_EVENTS}
        return fields, [], []
    if change.change_type == "UPDATE":
        changed = [f for f in change.changed_fields if f not in _NOT_IN_CHANGE_EVENTS]
        if "LastModifiedDate" in record and "LastModifiedDate" not in changed:
            changed.append("LastModifiedDate")
        fields = {f: event_datetime(record.get(f)) for f in changed}
        nulled = [f for f in changed if record.get(f) is None]
        return fields, changed, nulled
    return {}, [], []


def topic_event(change: RecordChange, notification: dict[str, Any], replay_id: int) -> dict[str, Any]:
    """The `data` of a PushTopic event: event (createdDate, replayId, type) and the topic's SELECT fields."""
    return {"event": {"createdDate": iso_z(change.at), "replayId": replay_id, "type": notification["type"]},
            "sobject": notification["sobject"]}
