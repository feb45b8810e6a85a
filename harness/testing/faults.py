"""`fault`: fault rules on either fake (`POST /_fake/faults`), each removed again when the test ends."""

from __future__ import annotations

from typing import Any

from .platforms import Fakes


class FaultRules:
    """Adds rules through the control API and remembers them, so `clear()` removes exactly those.

    `fault("genesys", path="/api/v2/users/*", status=429, headers={"Retry-After": "1"}, count=1)` answers the
    rule as the fake stored it (with its `id`). The fields are the control API's: `action` (respond, latency,
    drop_event, duplicate_event, delay_event, close_socket), `method`, `path` (glob or `re:`), `status`, `body`,
    `headers`, `latencySeconds`, `count`, `probability`.
    """

    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes
        self.added: list[tuple[str, str]] = []

    def __call__(self, platform: str, **rule: Any) -> dict[str, Any]:
        return self.add(platform, rule)

    def add(self, platform: str, rule: dict[str, Any]) -> dict[str, Any]:
        stored = self.fakes.control(platform).add_fault(rule)[0]
        if "id" in stored:
            self.added.append((platform, stored["id"]))
        return stored

    def expire_tokens(self, platform: str) -> int:
        """Every token the fake issued so far expires at once; answers how many."""
        return int(self.fakes.control(platform).add_fault({"action": "expire_tokens"})[0]["expired"])

    def list(self, platform: str) -> list[dict[str, Any]]:
        return self.fakes.control(platform).http.get("/_fake/faults")["faults"]

    def remove(self, rule: dict[str, Any] | str, platform: str | None = None) -> None:
        rule_id = rule if isinstance(rule, str) else rule["id"]
        for plat, rid in list(self.added):
            if rid == rule_id and (platform is None or plat == platform):
                self.fakes.control(plat).clear_faults(rid)
                self.added.remove((plat, rid))

    def clear(self) -> None:
        """Remove the rules added here that are still installed (a rule with `count` may have retired itself)."""
        for platform, rule_id in self.added:
            installed = {r["id"] for r in self.list(platform)}
            if rule_id in installed:
                self.fakes.control(platform).clear_faults(rule_id)
        self.added.clear()
