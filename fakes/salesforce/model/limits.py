"""The org's daily API request allocation: REST calls counted over a rolling 24 hours on the virtual clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..errors import request_limit_exceeded


@dataclass
class ApiUsage:
    """Calls counted in the last `window_seconds`; beyond `limit` every call is refused (REQUEST_LIMIT_EXCEEDED)."""

    window_seconds: float
    _calls: deque[float] = field(default_factory=deque)

    def used(self, now: float) -> int:
        """Calls in the window ending `now` (older ones have rolled out)."""
        while self._calls and self._calls[0] <= now - self.window_seconds:
            self._calls.popleft()
        return len(self._calls)

    def count(self, now: float, limit: int) -> int:
        """Count one call; the usage after it. A call beyond the allocation is refused and not counted."""
        used = self.used(now)
        if used >= limit:
            raise request_limit_exceeded(used, limit)
        self._calls.append(now)
        return used + 1

    def clear(self) -> None:
        self._calls.clear()
