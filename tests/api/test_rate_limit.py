from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.testclient import TestClient

from packyard.config import Settings
from packyard.server import create_app
from tests.conftest import ALICE, Api, Clock
from tests.contract.test_rate_counters import REDIS_URL


def test_limits_when_configured(settings: Settings, engine: Any, clock: Clock, world: Any) -> None:
    from dataclasses import replace

    app = create_app(replace(settings, rate_limit=3), engine, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        api = Api(client)
        seen = [api.get("/users/alice/packages/container/tools%2Fcli", ALICE) for _ in range(3)]
        assert [r.headers["x-ratelimit-remaining"] for r in seen] == ["2", "1", "0"]
        assert seen[0].headers["x-ratelimit-limit"] == "3"
        assert seen[0].headers["x-ratelimit-resource"] == "core"
        over = api.get("/users/alice/packages/container/tools%2Fcli", ALICE, check=False)
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
        assert "rate limit" in over.json()["message"]
        # Asking for the quota never spends it.
        assert api.get("/rate_limit", ALICE).json()["rate"]["remaining"] == 0


def test_secondary_limit_answers_403_with_retry_after(
    settings: Settings, engine: Any, clock: Clock, world: Any
) -> None:
    from dataclasses import replace

    # 12 points per minute: a delete costs 5, a read 1, as at GitHub.
    app = create_app(replace(settings, secondary_rate_limit=(12, 60)), engine, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        api = Api(client)
        path = "/users/alice/packages/container/tools%2Fcli/versions"
        missing = f"{path}/999999"
        assert api.delete(missing, ALICE).status_code == 404  # 5 points
        assert api.delete(missing, ALICE).status_code == 404  # 10 points
        refused = api.delete(missing, ALICE)
        assert refused.status_code == 403
        assert "secondary rate limit" in refused.json()["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Reads still fit: the window holds 10 of 12 points.
        assert [api.get(path, ALICE).status_code for _ in range(2)] == [200, 200]
        assert api.get(path, ALICE).status_code == 403


def test_secondary_window_slides() -> None:
    import pytest

    from packyard.api.ratelimit import SecondaryLimiter
    from packyard.domain.errors import SecondaryRateLimited

    limiter = SecondaryLimiter(points=10, window=60)
    limiter.spend("t", "DELETE", now=0.0)
    limiter.spend("t", "DELETE", now=30.0)
    with pytest.raises(SecondaryRateLimited) as refused:
        limiter.spend("t", "GET", now=45.0)
    assert refused.value.retry_after == 15  # when the first delete leaves the window
    limiter.spend("t", "GET", now=60.0)
    limiter.spend("other", "DELETE", now=45.0)  # each token has its own window


def test_limits_read_from_the_environment(monkeypatch: Any) -> None:
    from packyard.config import settings_from_env

    monkeypatch.setenv("PACKYARD_RATE_LIMIT", "40/5")
    monkeypatch.setenv("PACKYARD_SECONDARY_RATE_LIMIT", "900")
    settings = settings_from_env()
    assert (settings.rate_limit, settings.rate_limit_window) == (40, 5)
    assert settings.secondary_rate_limit == (900, 60)
    monkeypatch.setenv("PACKYARD_RATE_LIMIT", "5000")
    assert settings_from_env().rate_limit_window == 3600


def test_limits_off_are_never_advertised(api: Api, world: Any, app: Any) -> None:
    """The SDK budgets itself once a server advertises limits; a Packyard without limits
    must not make it crawl after one `GET /rate_limit`."""
    from packyard.client import Client

    answer = api.get("/rate_limit", ALICE)
    assert answer.status_code == 200 and answer.json()["rate"]["limit"] == 5000
    assert not any(h.lower().startswith("x-ratelimit") for h in answer.headers)
    with TestClient(app, base_url="http://testserver") as http:
        client = Client(token=ALICE, base_url="http://testserver/api/v3", http_client=http)
        assert client.rest.rate_limit.get()["core"].limit == 5000
        assert client.budget.active is False


@pytest.mark.parametrize("shared", ["database", "redis"])
def test_processes_sharing_counters_share_one_quota(
    shared: str, settings: Settings, engine: Any, clock: Clock, world: Any, backend: str
) -> None:
    """Two apps on one database (two processes of a deployment) spend one quota between
    them: through PostgreSQL itself, or through Redis when `PACKYARD_REDIS_URL` names one."""
    from dataclasses import replace

    if shared == "database" and backend != "postgres":
        pytest.skip("shared through the database on PostgreSQL only (SQLite counts per process)")
    if shared == "redis":
        # A window of its own: Redis outlives the test, and other runs (the suite on the
        # other engine, earlier CI runs within the hour) count the same token at the same
        # fixed clock.
        window = 3600 + uuid.uuid4().int % 1_000_000
        with redis_window_cleared(int(clock.now.timestamp()), window):
            redis = replace(settings, redis_url=REDIS_URL, rate_limit_window=window)
            _spend_one_quota_from_two_apps(redis, engine, clock)
    else:
        _spend_one_quota_from_two_apps(settings, engine, clock)


@contextmanager
def redis_window_cleared(now: int, window: int) -> Iterator[None]:
    """Clear the counters of the fixed window holding `now` before (a run that drew the
    same window) and after (so nothing is left for the window's hour)."""
    from packyard.storage.redis_ratelimits import PREFIX
    from tests.contract.test_rate_counters import redis_or_missing

    client = redis_or_missing().client
    pattern = f"{PREFIX}*:{now - now % window}"

    def clear() -> None:
        for name in list(client.scan_iter(match=pattern)):
            client.delete(name)

    clear()
    try:
        yield
    finally:
        clear()
        client.close()


def _spend_one_quota_from_two_apps(settings: Settings, engine: Any, clock: Clock) -> None:
    from dataclasses import replace

    limited = replace(settings, rate_limit=4, secondary_rate_limit=(900, 60))
    first, second = (create_app(limited, engine, clock=clock) for _ in range(2))
    path = "/users/alice/packages/container/tools%2Fcli"
    with (
        TestClient(first, base_url="http://testserver") as one,
        TestClient(second, base_url="http://testserver") as other,
    ):
        statuses = [
            Api(client).get(path, ALICE, check=False).status_code
            for client in (one, other, one, other, one, other)
        ]
        assert statuses == [200, 200, 200, 200, 429, 429]
        assert Api(other).get("/rate_limit", ALICE).json()["rate"]["used"] == 4
