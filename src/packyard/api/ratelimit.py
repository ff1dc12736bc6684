"""GitHub-style rate limits, per process. Off unless configured."""

from __future__ import annotations

import math
from dataclasses import dataclass

from packyard.domain.errors import RateLimited, SecondaryRateLimited
from packyard.ratepoints import POINTS_PER_MINUTE, PointsWindow, cost_of
from packyard.ratepoints import WINDOW_SECONDS as POINTS_WINDOW_SECONDS

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


class RateLimiter:
    """Fixed hourly windows keyed by token or address.

    Counts live in this process: with several Packyard processes behind a balancer, each
    enforces its own share, which is the usual trade for not putting a write on every read.
    """

    def __init__(
        self,
        limit: int | None,
        window: int = WINDOW_SECONDS,
        secondary: SecondaryLimiter | None = None,
    ) -> None:
        self.limit = limit
        self.window = window
        self.secondary = secondary
        self._windows: dict[str, tuple[int, int]] = {}

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    def peek(self, key: str, now: float) -> Quota:
        limit = self.limit or NOMINAL_LIMIT
        window_start, used = self._windows.get(key, (0, 0))
        current = int(now) - int(now) % self.window
        if window_start != current or not self.enabled:
            used = 0
        return Quota(limit, max(0, limit - used), current + self.window, used)

    def hit(self, key: str, now: float, method: str = "GET") -> Quota | None:
        """Spend one request of the primary quota (None when it is off), then the method's
        points of the secondary limit: a request the primary limit refuses spends no points,
        one the secondary limit refuses still counts against the quota."""
        quota: Quota | None = None
        if self.limit is not None:
            current = self.peek(key, now)
            if current.remaining <= 0:
                raise RateLimited(
                    "API rate limit exceeded. Wait for the limit to reset.",
                    retry_after=max(1, current.reset - int(now)),
                )
            self._windows[key] = (current.reset - self.window, current.used + 1)
            quota = Quota(current.limit, current.remaining - 1, current.reset, current.used + 1)
        if self.secondary is not None:
            self.secondary.spend(key, method, now)
        return quota


class SecondaryLimiter:
    """GitHub's secondary limit: points spent in a sliding window, per token or address.

    GitHub answers a breach with 403 and `Retry-After`; the primary quota is untouched.
    """

    def __init__(
        self, points: int = POINTS_PER_MINUTE, window: int = POINTS_WINDOW_SECONDS
    ) -> None:
        # The server runs handlers on several threads; the window takes a lock.
        self._window = PointsWindow(points, window)

    def spend(self, key: str, method: str, now: float) -> None:
        wait = self._window.take(key, cost_of(method), now)
        if wait > 0:
            raise SecondaryRateLimited(SECONDARY_MESSAGE, retry_after=max(1, math.ceil(wait)))
