"""Rate limits on submission creation (per client address, per API token) and on
failed API token authentication (per client address), kept by the ``limits``
library: a moving window in this process by default, or in Redis
(``GRADER_RATE_LIMIT_STORAGE``, and by default when the broker is Redis) so that
every web process counts against the same limit.

A limit store that cannot be reached lets the request through (logged): an
outage of the limiter must not turn away students."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse, storage, strategies

from grader.errors import GraderError

log = logging.getLogger(__name__)


class RateLimited(GraderError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


def parse_rate(rate: str) -> RateLimitItem:
    """'20/minute' (or '20 per minute', '3/hours'); a count of 0 disables the limit."""
    try:
        return parse(rate)
    except ValueError as exc:
        raise ValueError(f"rate limit must look like '20/minute', got {rate!r}") from exc


def storage_url(config: dict) -> str:
    """GRADER_RATE_LIMIT_STORAGE, else the broker when it is Redis, else this process."""
    broker = config.get("BROKER_URL") or ""
    return config.get("RATE_LIMIT_STORAGE") or (
        broker if broker.startswith(("redis://", "rediss://")) else "memory://"
    )


class RateLimiter:
    def __init__(self, url: str = "memory://") -> None:
        options = {} if url.startswith("memory://") else {"socket_timeout": 2}
        self._storage = storage.storage_from_string(url, **options)
        self._window = strategies.MovingWindowRateLimiter(self._storage)

    def hit(self, key: str, rate: str, what: str = "submissions") -> None:
        """Count one event for ``key``; raise RateLimited if it exceeds ``rate``."""
        self._limit(key, rate, what, count=True)

    def record(self, key: str, rate: str) -> None:
        """Count one event for ``key`` (something was created); never refuses: the
        request was let in by ``check`` already."""
        item = parse_rate(rate)
        if item.amount <= 0:
            return
        try:
            self._window.hit(item, "grader", key)
        except Exception as exc:  # noqa: BLE001 - as in _limit: fail open, loudly
            log.warning("rate limit store unreachable (%s): %s not counted", exc, key)

    def check(self, key: str, rate: str, what: str) -> None:
        """Raise RateLimited if ``key`` has used up ``rate`` already; counts nothing."""
        self._limit(key, rate, what, count=False)

    def _limit(self, key: str, rate: str, what: str, *, count: bool) -> None:
        item = parse_rate(rate)
        if item.amount <= 0:
            return
        try:
            allowed = self._window.hit if count else self._window.test
            if allowed(item, "grader", key):
                return
            reset = self._window.get_window_stats(item, "grader", key).reset_time
        except Exception as exc:  # noqa: BLE001 - any storage failure: fail open, loudly
            log.warning("rate limit store unreachable (%s): %s not limited", exc, key)
            return
        retry = max(1, math.ceil(reset - time.time()))
        unit = item.GRANULARITY.name
        per = unit if item.multiples == 1 else f"{item.multiples} {unit}s"
        raise RateLimited(
            f"Too many {what}: at most {item.amount} per {per}. Try again in {retry} s.",
            retry,
        )
