"""Rate-limit counters in Redis (`PACKYARD_REDIS_URL`), shared by every process that names
the same server: no database write per request, and nothing kept that a restart of Redis
loses beyond the current windows.

The primary quota is one round trip: INCR of the key's window (named by its start) and an
EXPIRE set only when the window is new, in one MULTI. The secondary limit's sliding window
is a sorted set per key, scored by time, and a Lua script — atomic in Redis — drops what left
the window and adds the spending if it fits; when it does not, the script returns the
window and `wait_for` (the rule every other place applies) says how long to wait.
"""

from __future__ import annotations

import uuid
from typing import Any

import redis

from packyard.ratepoints import wait_for

PREFIX = "packyard:rate:"
# How long Redis waits on a connect or an answer before the limiter lets a request through.
TIMEOUT_SECONDS = 0.5

# KEYS[1]: the window; ARGV: now, seconds, cost, points, a unique member. Returns {} when
# spent, else the window's members and scores (member `COST:UNIQUE`).
TAKE_POINTS = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local spent = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #spent, 2 do
  used = used + tonumber(string.match(spent[i], '^(%d+):'))
end
if used + tonumber(ARGV[3]) <= tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3] .. ':' .. ARGV[5])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
  return {}
end
return spent
"""


class RedisRateCounters:
    """`api.ratelimit.RateCounters` on a Redis server."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._take_points: Any = client.register_script(TAKE_POINTS)

    @classmethod
    def connect(cls, url: str) -> RedisRateCounters:
        return cls(
            redis.Redis.from_url(
                url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
            )
        )

    def count(self, key: str, window_start: int, window: int) -> int:
        name = f"{PREFIX}{key}:{window_start}"
        with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            # NX: only a window's first request sets when it goes; the rest leave it.
            pipe.expire(name, window + 1, nx=True)
            used, _ = pipe.execute()
        return int(used)

    def counted(self, key: str, window_start: int) -> int:
        used = self.client.get(f"{PREFIX}{key}:{window_start}")
        return int(used) if used is not None else 0

    def take_points(self, key: str, cost: int, now: float, points: int, seconds: int) -> float:
        name = f"{PREFIX}points:{key}"
        unique = uuid.uuid4().hex
        spent = self._take_points(keys=[name], args=[repr(now), seconds, cost, points, unique])
        if not spent:
            return 0.0
        pairs = [
            (float(spent[i + 1]), int(spent[i].split(b":", 1)[0])) for i in range(0, len(spent), 2)
        ]
        return wait_for(pairs, cost, now, points, seconds)
