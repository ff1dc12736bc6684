"""One suite × every place rate-limit counts live: this process, the database (on the test's
engine: SQLite and PostgreSQL), Redis. Each must count a fixed window exactly when many
callers add at once, and keep the secondary limit's sliding window as `PointsWindow` does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from packyard.api.ratelimit import LocalCounters, RateCounters, RateLimiter
from packyard.domain.errors import RateLimited
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
