"""The request flow, written once as a generator and driven by sync (or async) I/O.

The flow yields `Send` (make this request) or `Sleep` (wait this long) and is sent back the
response or the transport exception: retries, backoff, rate-limit waits and the points budget
live here, with no I/O of their own, like httpx's auth flows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from packyard.ratepoints import POINTS_PER_MINUTE, PointsWindow, cost_of

# With neither Retry-After nor a reset time, GitHub asks for at least a minute.
DEFAULT_SECONDARY_WAIT = 60.0


@dataclass(frozen=True)
class Send:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""  # method and path template: the budget's key


@dataclass(frozen=True)
class Sleep:
    seconds: float


Flow = Generator[Send | Sleep, httpx.Response | httpx.TransportError | None, httpx.Response]


@dataclass
class RetryPolicy:
    """How patient a Client is: retries on 5xx and connection errors, and rate-limit waits.

    >>> from packyard.client import Client
    >>> client = Client(token="ghp_...", retry=RetryPolicy(retries=5, max_rate_limit_wait=60))
    """

    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 30.0
    # Waiting longer than this for a rate limit to reset raises RateLimited instead.
    max_rate_limit_wait: float = 900.0
    rate_limit_retries: int = 5

    def backoff_for(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        ceiling = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)


class PointsBudget:
    """A sliding one-minute window of points per endpoint, shared by every thread.

    Idle until a server advertises limits (`X-RateLimit-*` headers): a Packyard with limits
    off is never slowed down.

    >>> budget = PointsBudget(points_per_minute=10)
    >>> budget.active = True
    >>> [budget.reserve("DELETE /x", 5, now=0.0) for _ in range(3)]
    [0.0, 0.0, 60.0]
    """

    def __init__(self, points_per_minute: int = POINTS_PER_MINUTE) -> None:
        self.active = False
        self._window = PointsWindow(points_per_minute)

    @property
    def points_per_minute(self) -> int:
        return self._window.points

    def observe(self, response: httpx.Response) -> None:
        if "x-ratelimit-limit" in response.headers:
            self.active = True

    def reserve(self, endpoint: str, cost: int, now: float) -> float:
        """Spend `cost` now and return 0, or return how long to wait before trying again.

        Spending is recorded even while idle, so the requests that revealed the limits
        count once they are known.
        """
        wait = self._window.take(endpoint, cost, now, always=not self.active)
        return 0.0 if wait == 0.0 else max(0.001, wait)


def is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    if response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers:
        return True
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        return False
    return "rate limit" in message.lower()


def rate_limit_wait(response: httpx.Response, wall_clock: float) -> float:
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    reset = response.headers.get("x-ratelimit-reset")
    if reset is not None and response.headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(0.0, float(reset) - wall_clock) + 1.0
        except ValueError:
            pass
    return DEFAULT_SECONDARY_WAIT


def reset_time(response: httpx.Response) -> datetime | None:
    reset = response.headers.get("x-ratelimit-reset")
    try:
        return datetime.fromtimestamp(float(reset), UTC) if reset else None
    except ValueError:
        return None


def request_flow(
    send: Send,
    policy: RetryPolicy,
    budget: PointsBudget,
    monotonic: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> Flow:
    attempt = 0
    limited = 0
    while True:
        wait = budget.reserve(send.endpoint, cost_of(send.method), monotonic())
        if wait > 0:
            yield Sleep(wait)
            continue
        outcome = yield send
        if isinstance(outcome, httpx.TransportError):
            if attempt >= policy.retries:
                raise outcome
            attempt += 1
            yield Sleep(policy.backoff_for(attempt))
            continue
        assert outcome is not None
        response = outcome
        budget.observe(response)
        if is_rate_limited(response):
            wait = rate_limit_wait(response, wall_clock())
            if wait > policy.max_rate_limit_wait or limited >= policy.rate_limit_retries:
                return response
            limited += 1
            yield Sleep(wait)
            continue
        if response.status_code >= 500 and attempt < policy.retries:
            attempt += 1
            yield Sleep(policy.backoff_for(attempt))
            continue
        return response


def run_sync(
    flow: Flow,
    client: httpx.Client,
    headers: dict[str, str],
    sleep: Callable[[float], None],
) -> httpx.Response:
    """Drive a flow with blocking I/O."""
    item = next(flow)
    while True:
        try:
            if isinstance(item, Sleep):
                sleep(item.seconds)
                item = flow.send(None)
                continue
            try:
                outcome: httpx.Response | httpx.TransportError = client.request(
                    item.method, item.url, params=item.params or None, headers=headers
                )
            except httpx.TransportError as error:
                outcome = error
            item = flow.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


async def run_async(
    flow: Flow,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    sleep: Callable[[float], Awaitable[None]],
) -> httpx.Response:
    """Drive the same flow with asyncio I/O."""
    item = next(flow)
    while True:
        try:
            if isinstance(item, Sleep):
                await sleep(item.seconds)
                item = flow.send(None)
                continue
            try:
                outcome: httpx.Response | httpx.TransportError = await client.request(
                    item.method, item.url, params=item.params or None, headers=headers
                )
            except httpx.TransportError as error:
                outcome = error
            item = flow.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
