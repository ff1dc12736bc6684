"""GitHub-style rate limits. Off unless configured.

Where the counts live is a `RateCounters` (the port this module declares): this process
(`LocalCounters`, the default, and all a single process needs), or a place every process
of a deployment shares — PostgreSQL (`storage.db.ratelimits`) or Redis
(`storage.redis_ratelimits`), which the composition root picks — so N processes behind a
balancer hold one quota, not N.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from packyard.domain.errors import RateLimited, SecondaryRateLimited
from packyard.ratepoints import POINTS_PER_MINUTE, PointsWindow, cost_of
from packyard.ratepoints import WINDOW_SECONDS as POINTS_WINDOW_SECONDS

log = logging.getLogger("packyard")

WINDOW_SECONDS = 3600
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
# What `GET /rate_limit` reports while limits are off: GitHub's authenticated quota.
NOMINAL_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    remaining: int
    reset: int
    used: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Resource": "core",
        }


class RateCounters(Protocol):
    """Where request counts live. Each call is one atomic step wherever they are kept, so
    processes sharing the counters never both spend the last request of a quota."""

    def count(self, key: str, window_start: int, window: int) -> int:
        """Add one request to `key`'s fixed window starting at `window_start` (seconds) and
        return how many it holds now, this one included: a new window starts at one."""
        ...

    def counted(self, key: str, window_start: int) -> int:
        """How many requests `key`'s window starting at `window_start` holds (0 if none)."""
        ...

    def take_points(self, key: str, cost: int, now: float, points: int, seconds: int) -> float:
        """`PointsWindow.take` over `key`'s shared sliding window: spend `cost` and return
        0, or spend nothing and return how long until it would fit."""
        ...


class LocalCounters:
    """This process's counts: enough for one process, and what every process keeps when
    nothing shared is configured (each then enforces its own share)."""

    def __init__(self) -> None:
        # The REST API answers inline on the event loop, but the SDK's tests and the web
        # pages may call from threads: a lock keeps read-add-write one step.
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}
        self._points: dict[tuple[int, int], PointsWindow] = {}

    def count(self, key: str, window_start: int, window: int) -> int:
        with self._lock:
            start, used = self._windows.get(key, (0, 0))
            used = used + 1 if start == window_start else 1
            self._windows[key] = (window_start, used)
            return used

    def counted(self, key: str, window_start: int) -> int:
        start, used = self._windows.get(key, (0, 0))
        return used if start == window_start else 0

    def take_points(self, key: str, cost: int, now: float, points: int, seconds: int) -> float:
        with self._lock:
            window = self._points.get((points, seconds))
            if window is None:
                window = self._points[(points, seconds)] = PointsWindow(points, seconds)
        return window.take(key, cost, now)


class RateLimiter:
    """Fixed hourly windows keyed by token or address, counted in `counters`.

    A request is counted before it is judged (one atomic add where the counts are shared,
    not a read and a write two processes could interleave); one past the limit is refused
    and reported as the limit, spent.
    """

    def __init__(
        self,
        limit: int | None,
        window: int = WINDOW_SECONDS,
        secondary: SecondaryLimiter | None = None,
        counters: RateCounters | None = None,
    ) -> None:
        self.limit = limit
        self.window = window
        self.secondary = secondary
        self.counters = counters or LocalCounters()

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    def peek(self, key: str, now: float) -> Quota:
        limit = self.limit or NOMINAL_LIMIT
        current = int(now) - int(now) % self.window
        used = min(limit, _failing_open(self.counters.counted, 0, key, current))
        if not self.enabled:
            used = 0
        return Quota(limit, max(0, limit - used), current + self.window, used)

    def hit(self, key: str, now: float, method: str = "GET") -> Quota | None:
        """Spend one request of the primary quota (None when it is off), then the method's
        points of the secondary limit: a request the primary limit refuses spends no points,
        one the secondary limit refuses still counts against the quota."""
        quota: Quota | None = None
        if self.limit is not None:
            current = int(now) - int(now) % self.window
            reset = current + self.window
            used = _failing_open(self.counters.count, 1, key, current, self.window)
            if used > self.limit:
                raise RateLimited(
                    "API rate limit exceeded. Wait for the limit to reset.",
                    retry_after=max(1, reset - int(now)),
                )
            quota = Quota(self.limit, self.limit - used, reset, used)
        if self.secondary is not None:
            self.secondary.spend(key, method, now)
        return quota


class SecondaryLimiter:
    """GitHub's secondary limit: points spent in a sliding window, per token or address.

    GitHub answers a breach with 403 and `Retry-After`; the primary quota is untouched.
    """

    def __init__(
        self,
        points: int = POINTS_PER_MINUTE,
        window: int = POINTS_WINDOW_SECONDS,
        counters: RateCounters | None = None,
    ) -> None:
        self.points = points
        self.window = window
        self.counters = counters or LocalCounters()

    def spend(self, key: str, method: str, now: float) -> None:
        wait = _failing_open(
            self.counters.take_points, 0.0, key, cost_of(method), now, self.points, self.window
        )
        if wait > 0:
            raise SecondaryRateLimited(SECONDARY_MESSAGE, retry_after=max(1, math.ceil(wait)))


P = ParamSpec("P")
T = TypeVar("T")
# One log line a minute while shared counters are down, not one per request.
_QUIET_SECONDS = 60.0
_last_logged = [0.0]


def _failing_open(call: Callable[P, T], otherwise: T, *args: P.args, **kwargs: P.kwargs) -> T:
    """Shared counters that cannot be reached (Redis restarting, the database failing over)
    let requests through, logged: a limiter must not take the API down with it."""
    try:
        return call(*args, **kwargs)
    except Exception:
        now = time.monotonic()
        if now - _last_logged[0] >= _QUIET_SECONDS:
            _last_logged[0] = now
            log.exception("rate-limit counters unreachable; letting requests through")
        return otherwise
