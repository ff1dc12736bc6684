"""Drive an ASGI callable by hand: what it sent, as (status, headers, body)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from packyard.http import Message, Request, Response


def request(
    method: str = "GET",
    path: str = "/",
    headers: list[tuple[str, str]] | None = None,
    query: str = "",
    body: list[bytes] | None = None,
) -> Request:
    chunks = list(body or [])

    async def receive() -> Message:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers or []],
        "client": ("10.0.0.1", 1234),
    }
    return Request.from_scope(scope, receive, "")


class Sent:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.messages[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])


def send(response: Response, req: Request) -> Sent:
    sent = Sent()
    asyncio.run(response.send(req, sent))
    return sent


def run(coroutine: Callable[[Sent], Awaitable[None]]) -> Sent:
    sent = Sent()
    asyncio.run(coroutine(sent))  # type: ignore[arg-type]
    return sent
