"""GitHub's secondary rate limit as points in a sliding window: the server enforces it, the
SDK stays under it, and both count the same way.

A leaf module (standard library only), shared by `packyard.api` and `packyard.client`.

>>> window = PointsWindow(points=10, seconds=60)
>>> [window.take("DELETE /x", cost_of("DELETE"), now=0.0) for _ in range(3)]
[0.0, 0.0, 60.0]
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Collection

# GitHub's documented secondary limit: 900 points a minute; a read costs 1, a write 5.
POINTS_PER_MINUTE = 900
WINDOW_SECONDS = 60
READ_COST = 1
WRITE_COST = 5
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def cost_of(method: str) -> int:
    return READ_COST if method in _READS else WRITE_COST


class PointsWindow:
    """Points spent per key in the last `seconds`, safe to share between threads."""

    def __init__(self, points: int = POINTS_PER_MINUTE, seconds: float = WINDOW_SECONDS) -> None:
        self.points = points
        self.seconds = seconds
        self._spent: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: int, now: float, *, always: bool = False) -> float:
        """Spend `cost` and return 0, or spend nothing and return how long until enough of
        the oldest spending leaves the window. `always` records the spending regardless."""
        with self._lock:
            spent = self._spent.setdefault(key, deque())
            while spent and spent[0][0] <= now - self.seconds:
                spent.popleft()
            wait = wait_for(spent, cost, now, self.points, self.seconds)
            if always or wait == 0:
                spent.append((now, cost))
                return 0.0
            return wait


def wait_for(
    spent: Collection[tuple[float, int]], cost: int, now: float, points: int, seconds: float
) -> float:
    """0 if `cost` more points fit beside `spent` (the window's (time, points), oldest
    first, none older than `seconds`), else how long until enough of the oldest leave it.
    One rule for every place a window is kept: this process, the database, Redis."""
    used = sum(points for _, points in spent)
    if used + cost <= points:
        return 0.0
    freed = 0
    for at, taken in spent:
        freed += taken
        if used - freed + cost <= points:
            return at + seconds - now
    return seconds
