"""Keyed dispatcher: events with the same key run one at a time in arrival order; different keys run in parallel."""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable

from .logs import get_log

log = get_log("dispatch")

Task = Callable[[], None]
_STOP = object()


class KeyedExecutor:
    """A fixed set of worker threads; a key always lands on the same worker (so one chat is never handled twice
    at once), and a slow platform call for one chat does not hold up the others."""

    def __init__(self, workers: int = 8, name: str = "worker") -> None:
        self._queues: list[queue.Queue] = [queue.Queue() for _ in range(max(1, workers))]
        self._threads = [threading.Thread(target=self._run, args=(q,), name=f"{name}-{i}", daemon=True)
                         for i, q in enumerate(self._queues)]
        self._idle = threading.Condition()
        self._pending = 0
        self._stopping = False
        for t in self._threads:
            t.start()

    def submit(self, key: str, task: Task, done: Callable[[], None] | None = None) -> None:
        """Run `task` on the key's worker; `done` runs afterwards whether or not the task failed."""
        if self._stopping:
            return
        with self._idle:
            self._pending += 1
        index = zlib.crc32(key.encode()) % len(self._queues)
        self._queues[index].put((key, task, done))

    def _run(self, q: queue.Queue) -> None:
        while True:
            item = q.get()
            if item is _STOP:
                return
            key, task, done = item
            try:
                # A task skipped at shutdown is not "done": its event must be replayed after a restart.
                if not self._stopping:
                    try:
                        task()
                    except Exception:
                        log.error("event handling failed", exc_info=True, key=key)
                    if done is not None:
                        done()
            except Exception:
                log.error("completion callback failed", exc_info=True, key=key)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """True once every submitted task has finished (for tests and orderly shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stop(self, timeout: float = 1.0) -> None:
        self._stopping = True
        for q in self._queues:
            q.put(_STOP)
        for t in self._threads:
            t.join(timeout / max(1, len(self._threads)))
