"""What the sync and async clients share about a request: its URL, headers and answer.

Only the I/O differs between `Client` and `AsyncClient`; everything here, and the retry and
rate-limit flow in `_flow.py`, is written once.
"""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote

import httpx

from packyard.client._responses import raise_for
from packyard.client.rest import OPERATIONS, Operation

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
