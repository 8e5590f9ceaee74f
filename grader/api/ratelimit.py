"""A small in-process sliding-window rate limiter (per client address, per token).

In-process is enough for the embedded service, which runs as one process; the
limits are configuration (``GRADER_RATE_LIMIT_IP`` / ``GRADER_RATE_LIMIT_TOKEN``)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from grader.config import parse_rate
from grader.errors import GraderError


class RateLimited(GraderError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


class RateLimiter:
    def __init__(self, clock=time.monotonic) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, rate: str) -> None:
        """Count one event for ``key``; raise RateLimited if it exceeds ``rate`` ("20/minute")."""
        limit, window = parse_rate(rate)
        if limit <= 0:
            return
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                retry = hits[0] + window - now
                raise RateLimited(
                    f"Too many submissions: at most {rate.replace('/', ' per ')}. "
                    f"Try again in {max(1, math.ceil(retry))} s.",
                    retry,
                )
            hits.append(now)
            if len(self._hits) > 10000:
                self._forget(now, window)

    def _forget(self, now: float, window: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
