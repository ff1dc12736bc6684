"""A request as the apps here see it: the raw path, the query, the headers, the body.

Routes match the raw path because package names carry `%2F`: a decoded path cannot tell
`tools%2Fcli` from `tools/cli`.

The body is bounded twice. A whole-body read (`body()`) holds it in memory, so it stops at
`body_limit` (or the `limit` a route passes): a declared Content-Length past it is refused
before a byte is read, an undeclared one as soon as the bytes pass it. And a client that
goes silent mid-body for `idle_timeout` seconds is given up on, so a worker thread waiting
for its bytes is not held for ever. Both raise a `BodyRefused` (413 / 408), which the apps
answer in their own format through the catch-all (`exchange`), closing the connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qsl

from packyard.http.asgi import ZEROCOPY, AsgiScope, Message, Receive

MiB = 1024 * 1024
# What a whole-body read holds unless its app or route says otherwise: a registry's
# largest document (an npm publish carries its tarball base64'd in JSON) fits; a body
# that could fill the server's memory does not.
DEFAULT_BODY_LIMIT = 512 * MiB
# A client silent this long while its body is awaited is given up on.
BODY_IDLE_TIMEOUT = 60.0


class BodyRefused(Exception):
    """A request body the server will not read further; `status` says why."""

    status: ClassVar[int]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BodyTooLarge(BodyRefused):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the limit of {limit} bytes.")
        self.limit = limit


class BodyTimeout(BodyRefused):
    status = 408

    def __init__(self, seconds: float) -> None:
        super().__init__(f"The request body stopped arriving for {seconds:g} seconds.")


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


@dataclass(slots=True)
class Request:
    method: str
    raw_path: str  # below the app's prefix, still percent-encoded, without the query
    query: dict[str, str]  # the first value of each name
    headers: dict[str, str]  # names lowercased; a repeated header keeps its last value here
    client_host: str | None
    raw_query: str = ""
    raw_headers: Sequence[tuple[bytes, bytes]] = ()
    receive: Receive = _no_body
    body_limit: int = DEFAULT_BODY_LIMIT  # for `body()`; each app may set its own
    idle_timeout: float | None = BODY_IDLE_TIMEOUT
    # The server takes ASGI's `http.response.zerocopy` (`packyard.http.zerocopy`).
    zerocopy: bool = False
    _consumed: bool = field(default=False, repr=False)

    @classmethod
    def from_scope(cls, scope: AsgiScope, receive: Receive, prefix: str) -> Request:
        raw = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw.decode("latin-1").partition("?")[0][len(prefix) :]
        query: dict[str, str] = {}
        query_string = scope.get("query_string", b"").decode("latin-1")
        if query_string:
            for key, value in parse_qsl(query_string, keep_blank_values=True):
                query.setdefault(key, value)
        # ASGI servers hand header names over lowercased already.
        raw_headers = scope["headers"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_headers}
        client = scope.get("client")
        return cls(
            scope["method"],
            raw_path,
            query,
            headers,
            client[0] if client else None,
            query_string,
            raw_headers,
            receive,
            zerocopy=ZEROCOPY in (scope.get("extensions") or ()),
        )

    def query_values(self, name: str) -> list[str]:
        """Every value given for `name`, in order (`?a=1&a=2` → `["1", "2"]`)."""
        pairs = parse_qsl(self.raw_query, keep_blank_values=True)
        return [value for key, value in pairs if key == name] or (
            [self.query[name]] if name in self.query else []
        )

    def header_values(self, name: str) -> list[str]:
        """Every value of a header sent more than once (skopeo sends Accept six times)."""
        if not self.raw_headers:
            return [self.headers[name]] if name in self.headers else []
        wanted = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw_headers if k.lower() == wanted]

    def accepted(self) -> list[str]:
        """The media types of every Accept header, parameters dropped."""
        return [
            part.split(";")[0].strip()
            for value in self.header_values("accept")
            for part in value.split(",")
        ]

    async def _next_chunk(self) -> bytes | None:
        """The next non-empty chunk of the body, or None at its end."""
        while not self._consumed:
            if self.idle_timeout is None:
                message = await self.receive()
            else:
                try:
                    message = await asyncio.wait_for(self.receive(), self.idle_timeout)
                except TimeoutError:
                    raise BodyTimeout(self.idle_timeout) from None
            self._consumed = not message.get("more_body")
            chunk: bytes = message.get("body", b"")
            if chunk:
                return chunk
        return None

    async def stream(self) -> AsyncIterator[bytes]:
        """The body chunk by chunk, as the server hands it over; it can be read once."""
        while (chunk := await self._next_chunk()) is not None:
            yield chunk

    def declares_more_than(self, limit: int) -> bool:
        """Whether the request's Content-Length says its body is longer than `limit`."""
        declared = self.headers.get("content-length", "")
        # More digits than the limit has are more bytes than it allows: never int() them
        # (past 4,300 digits int() raises; a non-ASCII digit is no number of HTTP's).
        return (
            declared.isascii()
            and declared.isdigit()
            and (len(declared) > len(str(limit)) or int(declared) > limit)
        )

    async def body(self, limit: int | None = None) -> bytes:
        """The whole body, for documents (manifests, packuments), never blobs: at most
        `limit` bytes (the app's `body_limit` unless given), or `BodyTooLarge`."""
        limit = self.body_limit if limit is None else limit
        if self.declares_more_than(limit):
            raise BodyTooLarge(limit)
        parts: list[bytes] = []
        size = 0
        while (chunk := await self._next_chunk()) is not None:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            parts.append(chunk)
        return b"".join(parts)

    async def read(self, at_least: int) -> bytes:
        """The next `at_least` bytes of the body or more (all of it for -1; b"" at its end).

        Chunks are joined whole, so a batch ends on a chunk boundary, never inside one.
        """
        parts: list[bytes] = []
        size = 0
        while at_least < 0 or size < at_least:
            chunk = await self._next_chunk()
            if chunk is None:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)
