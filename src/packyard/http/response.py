"""A response: JSON, bytes or a blob, and the one `send()` every app answers through.

`send()` is where HTTP's generic rules live, so no app writes them again:
- HEAD gets the headers GET would (Content-Length included) and no body;
- a blob that allows ranges answers `Range: bytes=…` with 206 and Content-Range, or 416;
- a response that asks for an ETag gets the quoted sha1 of its body, and a GET or HEAD
  whose If-None-Match names it gets 304;
- Content-Length is always set.
A blob held as an open local file goes out by the server's zero-copy send (ASGI's
`http.response.zerocopy`, `packyard.http.zerocopy`) when the scope offers it: the kernel
moves file to socket, and no chunk becomes a Python object. Otherwise — a store that is not
local (S3), or a server without the extension — blob bytes are read in a worker thread, so a
blob store's I/O never blocks the event loop.

A response may say what to do once it is really served (`served`: a registry counts a
download there). It is called just before the head goes out with the status the handler
chose and the content in hand: after the blob's file was opened (by the handler) or its
first bytes read, never for a HEAD, a 304, a 416 or an answer that fails before its head.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, BinaryIO

import orjson
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from packyard.http.asgi import ZEROCOPY, Send
from packyard.http.ranges import RangeNotSatisfiable, byte_range
from packyard.http.request import Request

JSON_TYPE = "application/json; charset=utf-8"
# GitHub writes `2026-01-02T00:00:00Z`: UTC as Z, whole seconds.
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS

# The bytes [start, end) of a blob, in chunks.
Reader = Callable[[int, int], Iterator[bytes]]
# A file's bytes read where zero-copy is not offered: few hops to the pool, bounded memory.
FILE_CHUNK = 4 * 1024 * 1024


def dump_json(body: Any) -> bytes:
    return orjson.dumps(body, option=JSON_OPTIONS)


@dataclass(frozen=True, slots=True)
class Blob:
    """A body too big to hold: its size, and how to read a slice of it."""

    size: int
    read: Reader
    ranges: bool  # answer `Range:` (and say `Accept-Ranges: bytes`)
    # The blob's own file, opened while it was looked up (`of_file`): what is sent is what
    # was found, even if the blob is deleted meanwhile. The response closes it when done.
    file: BinaryIO | None = None

    @classmethod
    def of_file(cls, file: BinaryIO, size: int, ranges: bool) -> Blob:
        """A local file's bytes: sent zero-copy where the server can, else read by offset."""
        return cls(size, partial(_pread, file.fileno()), ranges, file)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


@dataclass(slots=True)
class Response:
    status: int
    body: Any = None  # JSON-able, or None: sent as JSON (JSON_TYPE unless headers say)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # raw bytes instead of JSON
    blob: Blob | None = None  # streamed instead of either
    etag: bool = False  # ETag / If-None-Match → 304 on a GET or HEAD answered 200
    # Called once, just before the head goes out with this status and the content (a GET).
    served: Callable[[], None] | None = None

    def payload(self) -> bytes:
        if self.content is not None:
            return self.content
        return b"" if self.body is None else dump_json(self.body)

    async def send(self, request: Request, send: Send) -> None:
        if self.blob is not None:
            await self._send_blob(self.blob, request, send)
            return
        status = self.status
        headers = self.headers
        payload = self.payload()
        if self.etag and status == 200 and request.method in ("GET", "HEAD"):
            tag = '"' + hashlib.sha1(payload).hexdigest() + '"'
            headers["ETag"] = tag
            if request.headers.get("if-none-match") == tag:
                status, payload = 304, b""
        if status == self.status:
            self._serving(request)
        raw = _raw(headers)
        if self.body is not None and self.content is None and "Content-Type" not in headers:
            raw.append((b"content-type", JSON_TYPE.encode()))
        # RFC 9110 (8.6): never in a 204, and in a 304 only the 200's length (none is sent:
        # the empty payload's 0 would misstate it). Each header costs uvicorn two regular
        # expressions and more: this one was ~8k of a REST delete's 950k instructions over HTTP.
        if status != 204 and status != 304:
            raw.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        body = b"" if request.method == "HEAD" else payload
        await send({"type": "http.response.body", "body": body})

    async def _send_blob(self, blob: Blob, request: Request, send: Send) -> None:
        try:
            await self._send_slice(blob, request, send)
        finally:
            blob.close()

    async def _send_slice(self, blob: Blob, request: Request, send: Send) -> None:
        status, headers = self.status, dict(self.headers)
        start, end = 0, blob.size
        if blob.ranges:
            headers["Accept-Ranges"] = "bytes"
            try:
                wanted = byte_range(request.headers.get("range"), blob.size)
            except RangeNotSatisfiable as refused:
                await _empty(send, 416, {"Content-Range": refused.content_range()})
                return
            if wanted is not None and status == 200:
                status, start, end = 206, wanted.start, wanted.end
                headers["Content-Range"] = wanted.content_range()
        headers["Content-Length"] = str(end - start)
        if request.method == "HEAD":
            await _empty(send, status, headers)
            return
        if blob.file is not None and request.zerocopy:
            self._serving(request)  # the file is open: its bytes go out whatever happens to it
            await send({"type": "http.response.start", "status": status, "headers": _raw(headers)})
            if end > start:
                zero_copy = {"type": ZEROCOPY, "file": blob.file, "offset": start}
                await send({**zero_copy, "count": end - start, "more_body": False})
            else:
                await send({"type": "http.response.body", "body": b""})
            return
        # The first chunk is read before the status goes out, so a blob that cannot be read
        # still gets a whole error response instead of a cut-off 200, and counts nothing;
        # what `served` does is done in that same worker thread (a statement, at times).
        chunks, first = await run_in_threadpool(self._open, request, blob.read, start, end)
        await send({"type": "http.response.start", "status": status, "headers": _raw(headers)})
        if first is not None:
            await send({"type": "http.response.body", "body": first, "more_body": True})
            async for chunk in iterate_in_threadpool(chunks):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _open(
        self, request: Request, read: Reader, start: int, end: int
    ) -> tuple[Iterator[bytes], bytes | None]:
        chunks = read(start, end)
        first = next(chunks, None)
        self._serving(request)
        return chunks, first

    def _serving(self, request: Request) -> None:
        if self.served is not None and request.method != "HEAD":
            self.served()


def _pread(fd: int, start: int, end: int) -> Iterator[bytes]:
    """The bytes [start, end) of an open file, by offset: its position is never used."""
    while start < end:
        chunk = os.pread(fd, min(FILE_CHUNK, end - start), start)
        if not chunk:
            return  # shorter than said: the server cuts the response short
        start += len(chunk)
        yield chunk


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def _empty(send: Send, status: int, headers: dict[str, str]) -> None:
    raw = _raw(headers)
    if "Content-Length" not in headers:
        raw.append((b"content-length", b"0"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b""})
