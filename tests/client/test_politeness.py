"""Retries, rate limits and the points budget, against answers shaped as GitHub sends them.

These are the only SDK tests on `httpx.MockTransport`: a real server cannot be made to
answer 5xx or 429 on cue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from packyard.client import Client, RateLimited, RetryPolicy, ServerError, TransportError

API = "https://api.github.com"
DELETE_PATH = re.compile(r"/orgs/acme/packages/container/app/versions/(\d+)$")


@dataclass
class FakeTime:
    """A clock that the client's sleeps move forward."""

    now: float = 1_000_000.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def client(
    handler: Callable[[httpx.Request], httpx.Response],
    time: FakeTime,
    retry: RetryPolicy | None = None,
) -> Client:
    return Client(
        token="ghp_test",
        base_url=API,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=retry or RetryPolicy(backoff=0.1),
        sleep=time.sleep,
        monotonic=time,
        wall_clock=time,
    )


def github_org(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/user":
        return httpx.Response(200, json={"login": "bot", "id": 9, "type": "User"})
    if request.url.path == "/users/acme":
        return httpx.Response(200, json={"login": "acme", "id": 7, "type": "Organization"})
    return None


def test_300_deletes_through_secondary_limits_with_no_failure() -> None:
    time = FakeTime()
    deleted: set[int] = set()
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        known = github_org(request)
        if known is not None:
            return known
        match = DELETE_PATH.search(request.url.path)
        assert match and request.method == "DELETE"
        calls["n"] += 1
        if calls["n"] % 7 == 0:  # GitHub's secondary limit answer
            return httpx.Response(
                403,
                headers={"Retry-After": "2"},
                json={
                    "message": "You have exceeded a secondary rate limit.",
                    "documentation_url": "https://docs.github.com/rest",
                },
            )
        if calls["n"] % 11 == 0:
            return httpx.Response(
                429, headers={"Retry-After": "1"}, json={"message": "Too many requests"}
            )
        deleted.add(int(match.group(1)))
        return httpx.Response(204)

    results = client(handler, time).delete_versions(
        "acme", "container", "app", range(1, 301), concurrency=1
    )
    assert [r.outcome for r in results] == ["deleted"] * 300
    assert deleted == set(range(1, 301))
    assert 2.0 in time.slept and 1.0 in time.slept


def test_primary_limit_waits_for_the_reset() -> None:
    time = FakeTime()
    answers = iter(
        [
            httpx.Response(
                403,
                headers={
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Reset": str(int(time.now) + 30),
                },
                json={"message": "API rate limit exceeded for user ID 1."},
            ),
            httpx.Response(200, json={"login": "bot", "id": 9, "type": "User"}),
        ]
    )
    me = client(lambda _r: next(answers), time).rest.users.get_authenticated()
    assert me.login == "bot"
    assert time.slept == [31.0]


def test_a_limit_too_long_to_wait_raises_rate_limited() -> None:
    time = FakeTime()
    reset = int(time.now) + 7200

    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
            json={"message": "API rate limit exceeded"},
        )

    with pytest.raises(RateLimited) as raised:
        client(handler, time).rest.users.get_authenticated()
    assert raised.value.reset_at is not None and int(raised.value.reset_at.timestamp()) == reset
    assert time.slept == []


def test_5xx_and_connection_errors_are_retried_with_backoff() -> None:
    time = FakeTime()
    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        lambda r: httpx.Response(502, text="bad gateway"),
        lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
        lambda r: httpx.Response(200, json={"login": "bot", "id": 9, "type": "User"}),
    ]
    me = client(lambda r: answers.pop(0)(r), time).rest.users.get_authenticated()
    assert me.login == "bot" and len(time.slept) == 2
    assert 0.05 <= time.slept[0] <= 0.1 and 0.1 <= time.slept[1] <= 0.2

    with pytest.raises(ServerError):
        client(
            lambda r: httpx.Response(500), FakeTime(), RetryPolicy(retries=2, backoff=0.1)
        ).rest.users.get_authenticated()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError):
        client(refuse, FakeTime(), RetryPolicy(retries=1)).rest.users.get_authenticated()


def test_points_budget_keeps_bulk_deletes_under_githubs_secondary_limit() -> None:
    time = FakeTime()
    spent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        known = github_org(request)
        if known is not None:
            return known
        spent.append(time.now)
        return httpx.Response(
            204,
            headers={
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": "4000",
                "X-RateLimit-Reset": str(int(time.now) + 3600),
            },
        )

    results = client(handler, time).delete_versions(
        "acme", "container", "app", range(1, 401), concurrency=1
    )
    assert all(r.outcome == "deleted" for r in results)
    # 400 deletes × 5 points = 2,000 points: no minute may hold more than 900 (180 deletes).
    for start in spent:
        in_window = [t for t in spent if start <= t < start + 60]
        assert len(in_window) * 5 <= 900
    assert spent[-1] - spent[0] >= 120  # it had to spread them over three minutes


def test_no_budget_where_the_server_advertises_no_limits() -> None:
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return github_org(request) or httpx.Response(204)

    client(handler, time).delete_versions("acme", "container", "app", range(1, 401))
    assert time.slept == []
