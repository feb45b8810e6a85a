"""The Platform API's limits: rate limits per token (429 with `Retry-After`) and the request size limit (413).

Both are checked before a handler runs, after the fault rules (`/_fake/faults` injects 429s of its own) and
never on the control API. The limits themselves are `GenesysConfig.rate_limits` / `request_bytes_max`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from ...core.app import CONTROL_PREFIX, render_error
from ..config import RateLimit, TokenGrant
from ..errors import GenesysError

if TYPE_CHECKING:
    from .model.fake import GenesysFake

EXTENSION = "genesys.limits"  # where the app keeps its RateLimiter (`app.extensions[EXTENSION]`)


class RateLimitExceeded(GenesysError):
    """429 `too.many.requests`: the message names the limit and its window, `limit` the platform's Limit."""

    def __init__(self, limit: RateLimit, retry_after: int) -> None:
        window = _number(limit.window_seconds)
        super().__init__(
            429, "too.many.requests",
            f"Rate limit exceeded the maximum [{limit.value}] requests within [{window}] seconds",
            message_params={"limit": str(limit.value), "window": window},
            headers={"Retry-After": str(retry_after)})
        self.limit = limit

    def body(self) -> dict[str, Any]:
        out = super().body()
        # inferred: the platform fills the ErrorBody's `limit` (SDK 269 model) with the limit that was hit
        out["limit"] = {"key": self.limit.key, "namespace": self.limit.namespace, "value": self.limit.value}
        return out


class RequestTooLarge(GenesysError):
    """413 `request.entity.too.large` with the swagger's message, the maximum filled in."""

    def __init__(self, maximum: int) -> None:
        super().__init__(413, "request.entity.too.large",
                         f"The request is over the size limit. Maximum bytes: {maximum}",
                         message_params={"maximum": str(maximum)})


@dataclass(frozen=True)
class Throttle:
    """A request refused: the limit it would exceed and the whole seconds until that limit has room again."""

    limit: RateLimit
    retry_after: int


class RateLimiter:
    """Sliding-window request counts per limit and token, on a monotonic clock (wall-clock time, not the
    fakes' virtual clock: a connector's request rate is real). A refused request is not counted."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[float]] = {}
        # The most requests any token had in one window, per limit key: what a run came close to.
        self.peaks: dict[str, int] = {}

    def check(self, limits: tuple[RateLimit, ...], token: str, grant: TokenGrant, path: str) -> Throttle | None:
        """Count a request of `token` to `path` against every limit that applies, or refuse it."""
        applicable = [lim for lim in limits if (lim.grant is None or lim.grant is grant)
                      and any(fnmatchcase(path, pattern) for pattern in lim.paths)]
        if not applicable:
            return None
        with self._lock:
            now = self._now()
            windows = []
            for lim in applicable:
                hits = self._hits.setdefault((lim.key, token), deque())
                while hits and hits[0] <= now - lim.window_seconds:
                    hits.popleft()
                if len(hits) >= lim.value:
                    # Room again once the oldest counted request leaves the window.
                    wait = hits[len(hits) - lim.value] + lim.window_seconds - now
                    return Throttle(lim, max(1, math.ceil(wait)))
                windows.append((lim, hits))
            for lim, hits in windows:
                hits.append(now)
                if len(hits) > self.peaks.get(lim.key, 0):
                    self.peaks[lim.key] = len(hits)
            return None

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
            self.peaks.clear()

    def forget_idle(self, longest_window: float) -> None:
        """Drop the counts of tokens that made no request within the longest window (a long `serve` issues
        many tokens; their counts can no longer refuse anything)."""
        with self._lock:
            now = self._now()
            for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - longest_window]:
                del self._hits[key]


def install_limits(app: Flask, fake: GenesysFake) -> None:
    """Check every Platform API request against the org's limits (`fake.config`) before its handler runs. The
    counts live in `app.extensions[EXTENSION]`, a RateLimiter (replace it to count on another clock)."""
    app.extensions[EXTENSION] = RateLimiter()
    state = {"checked": 0}

    @app.before_request
    def _limits() -> None:
        if request.path.startswith(CONTROL_PREFIX):
            return
        config = fake.config
        if config.request_bytes_max is not None:
            _check_size(config.request_bytes_max)
        if not config.rate_limits_enabled or not config.rate_limits:
            return
        token = _bearer_token()
        principal = fake.tokens.lookup(token, fake.clock.time()) if token else None
        if principal is None:
            return  # the handler answers 401; a token the platform does not know has no rate to count
        limiter: RateLimiter = app.extensions[EXTENSION]
        grant = TokenGrant.USER if principal.is_user else TokenGrant.CLIENT_CREDENTIALS
        # A reset org issues its seeded token strings again: they are new tokens, with nothing counted yet.
        throttle = limiter.check(config.rate_limits, f"{fake.generation}:{token}", grant, request.path)
        state["checked"] += 1
        if state["checked"] % 10_000 == 0:
            limiter.forget_idle(max(lim.window_seconds for lim in config.rate_limits))
        if throttle is not None:
            g.actor = principal.owner  # the journal shows who was throttled
            raise RateLimitExceeded(throttle.limit, throttle.retry_after)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge) -> Response:
        return render_error(fake, RequestTooLarge(fake.config.request_bytes_max or 0))


def _check_size(maximum: int) -> None:
    """413 for a body over `maximum`, decided from its Content-Length before anything reads or parses it. A
    chunked body has no length up front: it is read (not parsed) to be measured."""
    length = request.content_length
    if length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        length = len(request.get_data(cache=True))
    if length is not None and length > maximum:
        raise RequestTooLarge(maximum)


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
