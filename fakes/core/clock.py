"""Virtual clock shared by both fakes: real time by default, can be frozen and advanced; owns every timer."""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

# The last instant both platforms can write (9999-12-31T23:59:59Z): their date-time fields stop at year 9999.
LATEST_EPOCH_SECONDS = 253_402_300_799.0


@dataclass(order=True)
class Timer:
    """A callback due at a virtual instant; `cancel()` makes it a no-op."""

    due: float
    order: int
    callback: Callable[[], None] = field(compare=False)
    name: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Seconds since the epoch, offset from real time, or frozen.

    Every timer in the fakes (alert timeout, ACW timeout, push timeout, token and channel expiry,
    replay retention) is scheduled here, so freezing the clock freezes them and `advance()` fires
    the ones that fall due, in order, before it returns.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._timers: list[Timer] = []
        self._counter = itertools.count()
        self._fire_lock = threading.RLock()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="virtual-clock", daemon=True)
        self._thread.start()

    # -- reading ---------------------------------------------------------------------------------
    def time(self) -> float:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def iso(self, ts: float | None = None) -> str:
        """ISO-8601 with milliseconds and `Z`, the form Genesys uses."""
        value = self.time() if ts is None else ts
        dt = datetime.fromtimestamp(value, tz=UTC)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def state(self) -> dict:
        with self._lock:
            now = self._now_locked()
            pending = sum(1 for t in self._timers if not t.cancelled)
            return {"now": self.iso(now), "epochSeconds": now, "frozen": self._frozen_at is not None,
                    "pendingTimers": pending}

    # -- steering --------------------------------------------------------------------------------
    def freeze(self) -> None:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = self._now_locked()
            self._lock.notify_all()

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None
            self._lock.notify_all()

    def advance(self, seconds: float) -> dict:
        """Move virtual time forward and fire every timer that falls due, before returning."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a finite, non-negative number")
        with self._lock:
            if self._now_locked() + seconds > LATEST_EPOCH_SECONDS:
                # Past year 9999 no timestamp either platform writes can be formed: refuse rather than break.
                raise ValueError(f"the clock cannot pass {self.iso(LATEST_EPOCH_SECONDS)}")
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            self._lock.notify_all()
        fired = self._fire_due()
        out = self.state()
        out["firedTimers"] = fired
        return out

    def reset(self) -> None:
        """Back to real time with no timers (used by `/_fake/reset`)."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None
            for t in self._timers:
                t.cancel()
            self._timers.clear()
            self._lock.notify_all()

    # -- timers ----------------------------------------------------------------------------------
    def call_at(self, due: float, callback: Callable[[], None], name: str = "") -> Timer:
        with self._lock:
            timer = Timer(due, next(self._counter), callback, name)
            heapq.heappush(self._timers, timer)
            self._lock.notify_all()
        return timer

    def call_later(self, delay: float, callback: Callable[[], None], name: str = "") -> Timer:
        return self.call_at(self.time() + delay, callback, name)

    def _pop_due(self) -> Timer | None:
        with self._lock:
            now = self._now_locked()
            while self._timers and self._timers[0].cancelled:
                heapq.heappop(self._timers)
            if self._timers and self._timers[0].due <= now:
                return heapq.heappop(self._timers)
            return None

    def _fire_due(self) -> int:
        fired = 0
        # One firer at a time, so timers run in due order whoever drives the clock.
        with self._fire_lock:
            while (timer := self._pop_due()) is not None:
                if timer.cancelled:
                    continue
                fired += 1
                try:
                    timer.callback()
                except Exception:  # a broken timer must not stop the clock
                    import logging

                    logging.getLogger(__name__).exception("timer %s failed", timer.name)
        return fired

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopped:
                    return
                while self._timers and self._timers[0].cancelled:
                    heapq.heappop(self._timers)
                if not self._timers or self._frozen_at is not None:
                    self._lock.wait()
                    continue
                wait = self._timers[0].due - self._now_locked()
                if wait > 0:
                    self._lock.wait(timeout=min(wait, 60.0))
                    continue
            self._fire_due()

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
