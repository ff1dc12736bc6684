"""One suite × every place rate-limit counts live: this process, the database (on the test's
engine: SQLite and PostgreSQL), Redis. Each must count a fixed window exactly when many
callers add at once, and keep the secondary limit's sliding window as `PointsWindow` does.
The database's rows of windows that ended are purged by the periodic job's leader."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from packyard.api.ratelimit import LocalCounters, RateCounters, RateLimiter
from packyard.config import Settings
from packyard.domain.errors import RateLimited
from packyard.server import purge_rate_limits
from packyard.storage.db import tables
from packyard.storage.db.ratelimits import SqlRateCounters
from packyard.storage.redis_ratelimits import RedisRateCounters
from tests.requirements import REDIS

REDIS_URL = os.environ.get("PACKYARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["local", "database", "redis"])
def counters(request: pytest.FixtureRequest) -> Iterator[RateCounters]:
    if request.param == "local":
        yield LocalCounters()
    elif request.param == "database":
        yield SqlRateCounters(request.getfixturevalue("engine"))
    else:
        shared = redis_or_missing()
        yield shared
        shared.client.close()


def redis_or_missing() -> RedisRateCounters:
    """Counters on the test Redis, or this test is missing it (skips; fails under CI)."""
    import redis

    shared = RedisRateCounters.connect(REDIS_URL)
    try:
        shared.client.ping()
    except redis.RedisError as error:
        shared.client.close()
        REDIS.missing(f"no Redis answers at {REDIS_URL} ({error})")
    return shared


@pytest.fixture
def key() -> str:
    """A key of this test's own: Redis is shared by every test and run."""
    return f"token:{uuid.uuid4().hex}"


def test_a_window_counts_and_a_new_one_starts_at_one(counters: RateCounters, key: str) -> None:
    assert counters.counted(key, 3600) == 0
    assert [counters.count(key, 3600, 3600) for _ in range(3)] == [1, 2, 3]
    assert counters.counted(key, 3600) == 3
    assert counters.count(key, 7200, 3600) == 1
    assert counters.counted(key, 7200) == 1
    assert counters.count("other:" + key, 7200, 3600) == 1  # each key its own


def test_concurrent_requests_spend_the_quota_exactly(
    counters: RateCounters, key: str, engine: Engine
) -> None:
    """64 requests at once against a limit of 20: 20 answered, 44 refused, wherever counted."""
    limiter = RateLimiter(20, window=3600, counters=counters)

    def one(_: int) -> bool:
        try:
            limiter.hit(key, now=10_000.0)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        answered = list(pool.map(one, range(64)))
    assert answered.count(True) == 20
    quota = limiter.peek(key, now=10_000.0)
    assert (quota.used, quota.remaining) == (20, 0)


def test_points_slide_as_in_a_process(counters: RateCounters, key: str) -> None:
    assert counters.take_points(key, 5, 0.0, 10, 60) == 0
    assert counters.take_points(key, 5, 30.0, 10, 60) == 0
    assert counters.take_points(key, 1, 45.0, 10, 60) == 15.0  # when the first leaves
    assert counters.take_points(key, 1, 60.0, 10, 60) == 0
    assert counters.take_points("other:" + key, 5, 45.0, 10, 60) == 0


def test_concurrent_points_never_overspend(
    counters: RateCounters, key: str, engine: Engine
) -> None:
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _: counters.take_points(key, 5, 100.0, 50, 60), range(30)))
    assert sum(1 for wait in waits if wait == 0) == 10


def test_the_gc_leader_purges_the_rows_of_windows_that_ended(engine: Engine, store: Any) -> None:
    """A key that stops asking leaves its window's row and its points behind: the periodic
    job's leader removes those of windows that ended (past a grace for clocks that differ),
    in one transaction, and nothing a current window counts; a process that does not lead
    removes nothing."""
    counters = SqlRateCounters(engine)
    settings = Settings(rate_limit=5000, rate_limit_window=3600, secondary_rate_limit=(900, 60))
    now = 278 * 3600 + 100.0  # 100 s into an hour
    current = int(now) - int(now) % 3600
    idle, busy = f"token:{uuid.uuid4().hex}", f"token:{uuid.uuid4().hex}"
    counters.count(idle, current - 3 * 3600, 3600)  # ended hours ago
    counters.count(busy, current - 3600, 3600)  # ended within the grace
    counters.count(busy, current, 3600)  # the same key's row, now in the current window
    late = f"token:{uuid.uuid4().hex}"
    counters.count(late, current - 3600, 3600)  # ended, but only just: kept a while
    assert counters.take_points(idle, 5, now - 3600, 900, 60) == 0  # long gone
    assert counters.take_points(busy, 5, now - 30, 900, 60) == 0  # in the window

    def rows() -> set[tuple[str, Any]]:
        w, p = tables.rate_limit_windows, tables.rate_limit_points
        with engine.connect() as conn:
            windows = {(r.key, r.window_start) for r in conn.execute(select(w))}
            points = {(r.key, r.at) for r in conn.execute(select(p))}
        return windows | points

    before = rows()
    if engine.dialect.name == "postgresql":
        with store.gc_leader() as leading, store.gc_leader() as other:
            assert leading and not other  # as a second process finds it
            assert purge_rate_limits(store, counters, settings, epoch(now)) == 0
        assert rows() == before
    assert purge_rate_limits(store, counters, settings, epoch(now)) == 2
    assert rows() == before - {(idle, current - 3 * 3600), (idle, now - 3600)}
    assert counters.counted(busy, current) == 1 and counters.counted(late, current - 3600) == 1
    assert counters.take_points(busy, 900, now, 900, 60) > 0  # its 5 points still count


def epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
