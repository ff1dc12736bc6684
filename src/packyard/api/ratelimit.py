"""GitHub-style rate limits, per process. Off unless configured."""

from __future__ import annotations

from dataclasses import dataclass

from packyard.domain.errors import RateLimited

WINDOW_SECONDS = 3600
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

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[int, int]] = {}

    @property
    def enabled(self) -> bool:
        return self.limit is not None

    def peek(self, key: str, now: float) -> Quota:
        limit = self.limit or NOMINAL_LIMIT
        window_start, used = self._windows.get(key, (0, 0))
        current = int(now) - int(now) % WINDOW_SECONDS
        if window_start != current or not self.enabled:
            used = 0
        return Quota(limit, max(0, limit - used), current + WINDOW_SECONDS, used)

    def hit(self, key: str, now: float) -> Quota | None:
        if self.limit is None:
            return None
        quota = self.peek(key, now)
        if quota.remaining <= 0:
            raise RateLimited(
                "API rate limit exceeded. Wait for the limit to reset.",
                retry_after=max(1, quota.reset - int(now)),
            )
        self._windows[key] = (quota.reset - WINDOW_SECONDS, quota.used + 1)
        return Quota(quota.limit, quota.remaining - 1, quota.reset, quota.used + 1)
