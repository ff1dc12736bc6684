"""What the sync and async clients share about a request: its URL, headers and answer.

Only the I/O differs between `Client` and `AsyncClient`; everything here, and the retry and
rate-limit flow in `_flow.py`, is written once.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from packyard.client._flow import Flow, PointsBudget, RetryPolicy, Send, request_flow
from packyard.client._operations import OPERATIONS, Operation
from packyard.client._responses import raise_for

GITHUB_API = "https://api.github.com"
GHCR = "https://ghcr.io"
API_VERSION = "2022-11-28"
USER_AGENT = "packyard-client"


def _path_fields(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


# Which arguments go into each operation's path; the rest are its query string.
_PATH_FIELDS = {name: _path_fields(op.path) for name, op in OPERATIONS.items()}


def default_headers(token: str | None) -> dict[str, str]:
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": USER_AGENT,
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def prepare(base_url: str, name: str, arguments: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The operation's URL, its path values percent-encoded (`tools/cli` → `tools%2Fcli`),
    and its query string from the remaining, non-None arguments."""
    operation = OPERATIONS[name]
    in_path = _PATH_FIELDS[name]
    path_values = {
        key: quote(str(value), safe="") for key, value in arguments.items() if key in in_path
    }
    query = {
        key: str(value)
        for key, value in arguments.items()
        if key not in in_path and value is not None
    }
    return base_url + operation.path.format(**path_values), query


def endpoint(operation: Operation) -> str:
    """The points budget's key: method and path template."""
    return f"{operation.method} {operation.path}"


def result(operation: Operation, response: httpx.Response) -> Any:
    raise_for(response)
    if operation.parse is None:
        return None
    return operation.parse(response.json())


def list_operation(name: str, arguments: dict[str, Any]) -> Operation:
    """The paginated list operation `name`, with `per_page` defaulted to GitHub's maximum."""
    operation = OPERATIONS[name]
    if operation.parse is None or not operation.pages:
        raise ValueError(f"{name} is not a paginated list operation")
    arguments.setdefault("per_page", 100)
    return operation


def registry_for(api_url: str) -> str:
    """ghcr.io beside api.github.com; a Packyard serves its registry on its own host."""
    if api_url.rstrip("/") == GITHUB_API:
        return GHCR
    return api_url.removesuffix("/api/v3")


class Configured:
    """What `Client` and `AsyncClient` are configured with, apart from their I/O: where the
    API and registry are, the token's headers, and the flow each request runs through."""

    def __init__(
        self,
        token: str | None,
        base_url: str,
        registry_url: str | None,
        retry: RetryPolicy | None,
        budget: PointsBudget | None,
        monotonic: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.registry_url = registry_url or registry_for(self.base_url)
        self.token = token
        self.retry = retry or RetryPolicy()
        self.budget = budget or PointsBudget()
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._headers = default_headers(token)

    def _flow(self, method: str, url: str, params: dict[str, str], key: str) -> Flow:
        return request_flow(
            Send(method, url, params, key),
            self.retry,
            self.budget,
            self._monotonic,
            self._wall_clock,
        )
