"""The fakes' control API (`/_fake/`) as the harness uses it: event feed, journal, tokens, clock, faults, customers."""

from __future__ import annotations

from typing import Any

from .http import HttpClient

PREFIX = "/_fake"


class FakeControl:
    """One fake's control API. Both fakes of a stack share one journal, so either one serves the whole feed."""

    def __init__(self, base_url: str, verify: str | bool = True) -> None:
        self.http = HttpClient(base_url, verify, timeout=60.0)

    def close(self) -> None:
        self.http.close()

    def health(self) -> dict[str, Any]:
        return self.http.get(f"{PREFIX}/health")

    def last_seq(self) -> int:
        return int(self.health()["lastSeq"])

    def events(self, after: int, wait: float = 0.0, limit: int | None = None, kind: str = "event",
               source: str | None = None) -> dict[str, Any]:
        """`GET /_fake/events`: entries after `after`, held up to `wait` seconds until one arrives."""
        params: dict[str, Any] = {"after": after, "wait": f"{max(0.0, wait):.3f}", "kind": kind}
        if limit:
            params["limit"] = limit
        if source:
            params["source"] = source
        return self.http.get(f"{PREFIX}/events", params=params, timeout=wait + 30.0)

    def journal(self, since: int = 0, kind: str | None = None, source: str | None = None,
                limit: int | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since}
        if kind:
            params["kind"] = kind
        if source:
            params["source"] = source
        if limit:
            params["limit"] = limit
        return self.http.get(f"{PREFIX}/journal", params=params)["entries"]

    def mint_token(self, user_id: str) -> dict[str, Any]:
        return self.http.post(f"{PREFIX}/tokens", {"userId": user_id})

    def state(self) -> dict[str, Any]:
        return self.http.get(f"{PREFIX}/state")

    def clock(self) -> dict[str, Any]:
        return self.http.get(f"{PREFIX}/clock")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self.http.post(f"{PREFIX}/clock/advance", {"seconds": seconds})

    def add_fault(self, rule: dict[str, Any]) -> list[dict[str, Any]]:
        return self.http.post(f"{PREFIX}/faults", rule)["faults"]

    def clear_faults(self, rule_id: str | None = None) -> int:
        path = f"{PREFIX}/faults/{rule_id}" if rule_id else f"{PREFIX}/faults"
        return int(self.http.delete(path)["removed"])

    def genesys_interaction(self, media_type: str, queue_id: str, customer_name: str,
                            attributes: dict[str, str] | None = None) -> dict[str, Any]:
        """Genesys fake: an interaction raised in a queue as an inbound flow would (a plain web message, say)."""
        return self.http.post(f"{PREFIX}/genesys/conversations", {"mediaType": media_type, "queueId": queue_id,
                                                                    "customerName": customer_name,
                                                                    "attributes": dict(attributes or {})})

    # -- Salesforce customer actions ---------------------------------------------------------------
    # `medium`: "chat" (`/_fake/customers/chats`, Legacy Chat) or "messaging" (`/_fake/customers/messaging`).
    def customer_chat(self, queue: str, customer_name: str, text: str, medium: str = "chat") -> dict[str, Any]:
        return self.http.post(f"{PREFIX}/customers/{_customer_path(medium)}",
                              {"queue": queue, "customerName": customer_name, "text": text})

    def customer_message(self, work_item_id: str, text: str, medium: str = "chat") -> dict[str, Any]:
        return self.http.post(f"{PREFIX}/customers/{_customer_path(medium)}/{work_item_id}/messages", {"text": text})

    def customer_leave(self, work_item_id: str, medium: str = "chat") -> dict[str, Any]:
        return self.http.post(f"{PREFIX}/customers/{_customer_path(medium)}/{work_item_id}/leave", {})

    def customer_return(self, work_item_id: str, text: str) -> dict[str, Any]:
        """Messaging: the customer of an ended session writes again (a new session for the same end user)."""
        return self.http.post(f"{PREFIX}/customers/messaging/{work_item_id}/return", {"text": text})


def _customer_path(medium: str) -> str:
    return "messaging" if str(medium) == "messaging" else "chats"
