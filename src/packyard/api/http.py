"""Just enough HTTP for the REST API, on raw ASGI.

The REST API routes on the raw path because package names carry `%2F`: Starlette's router
matches the decoded path, where `tools%2Fcli` and `tools/cli` look the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_TYPE = b"application/json; charset=utf-8"
# GitHub writes `2026-01-02T00:00:00Z`: UTC as Z, whole seconds.
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def dump_json(body: Any) -> bytes:
    return orjson.dumps(body, option=JSON_OPTIONS)


@dataclass
class ApiRequest:
    method: str
    raw_path: str  # below /api/v3, still percent-encoded
    query: dict[str, str]
    headers: dict[str, str]
    client_host: str | None

    @classmethod
    def from_scope(cls, scope: Scope, prefix: str) -> ApiRequest:
        raw = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw.decode("latin-1")[len(prefix) :]
        query: dict[str, str] = {}
        query_string = scope.get("query_string", b"")
        if query_string:
            for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
                query.setdefault(key, value)
        # ASGI servers hand header names over lowercased already.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client")
        return cls(scope["method"], raw_path, query, headers, client[0] if client else None)


@dataclass
class ApiResponse:
    status: int
    body: Any = None  # JSON-able, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)

    async def send(self, send: Send) -> None:
        payload = b"" if self.body is None else dump_json(self.body)
        raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()
        ]
        if self.body is not None:
            raw_headers.append((b"content-type", JSON_TYPE))
        raw_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})
