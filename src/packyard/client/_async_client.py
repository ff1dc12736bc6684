"""`AsyncClient`: the SDK's asyncio twin of `Client`, sharing its implementation.

What a request is (`_requests.py`) and how it is retried, budgeted and rate-limit-waited
(`_flow.py`) are written once; this module only drives them with `httpx.AsyncClient`, and its
`rest` namespaces are generated from the sync ones (`_async_rest.py`).

>>> import asyncio
>>> from packyard.client import AsyncClient
>>> async def main() -> None:
...     async with AsyncClient(token="ghp_...", base_url="http://127.0.0.1:8080/api/v3") as c:
...         await c.rest.packages.delete_package_version_for_user(
...             package_type="container", package_name="tools/cli", username="alice",
...             package_version_id=3)
>>> asyncio.run(main())  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from packyard.client import errors
from packyard.client._async_rest import AsyncRest
from packyard.client._flow import PointsBudget, RetryPolicy, run_async
from packyard.client._operations import OPERATIONS
from packyard.client._requests import (
    GITHUB_API,
    Configured,
    endpoint,
    list_operation,
    prepare,
    result,
)
from packyard.client._responses import next_link


class AsyncClient(Configured):
    """`Client`'s twin for asyncio: the same 27 operations under `rest`, awaited, and lazy
    `paginate` as an async iterator. The bulk helpers (`iter_versions`, `delete_versions`)
    and `prune` stay on the sync `Client`.

    >>> client = AsyncClient(token="ghp_...", base_url="http://127.0.0.1:8080/api/v3")
    >>> client.rest.packages  # doctest: +ELLIPSIS
    <packyard.client._async_rest.AsyncPackagesApi object at ...>
    """

    def __init__(
        self,
        token: str | None = None,
        base_url: str = GITHUB_API,
        registry_url: str | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        budget: PointsBudget | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, base_url, registry_url, retry, budget, monotonic, wall_clock)
        self._sleep = sleep
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self.rest = AsyncRest(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _send(
        self, method: str, url: str, params: dict[str, str], key: str
    ) -> httpx.Response:
        try:
            return await run_async(
                self._flow(method, url, params, key), self._http, self._headers, self._sleep
            )
        except httpx.TransportError as error:
            raise errors.TransportError(f"{method} {url}: {error}") from error

    async def _operation(self, name: str, arguments: dict[str, Any]) -> Any:
        operation = OPERATIONS[name]
        url, query = prepare(self.base_url, name, arguments)
        response = await self._send(operation.method, url, query, endpoint(operation))
        return result(operation, response)

    async def paginate(
        self, method: Callable[..., Awaitable[list[Any]]], **arguments: Any
    ) -> AsyncIterator[Any]:
        """Every item of a list operation, page after page, following `Link: rel="next"`.

        >>> async def names(client: AsyncClient) -> list[str]:
        ...     return [p.name async for p in client.paginate(
        ...         client.rest.packages.list_packages_for_user,
        ...         package_type="npm", username="alice")]
        """
        operation = list_operation(method.__name__, arguments)
        url, query = prepare(self.base_url, method.__name__, arguments)
        while True:
            response = await self._send("GET", url, query, endpoint(operation))
            for item in result(operation, response):
                yield item
            following = next_link(response)
            if following is None:
                return
            url, query = following, {}
