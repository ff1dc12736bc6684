"""What a client connection may send before any app sees a request: uvicorn's httptools
protocol, bounded.

uvicorn bounds none of it with httptools (h11's 16 KB buffer limit is the only one it has,
and h11 is the slower parser): a 32 MB header was read whole, a request line of any length
was kept, and a connection that opened and said nothing — or dripped a header a byte at a
time — was held for ever. Here:

- the request target is at most `max_target` bytes: 414;
- the header block at most `max_header_bytes` bytes and `max_headers` fields: 431;
- the head (request line and headers) must be whole within `head_timeout` seconds of the
  connection opening or of its first byte: 408, however slowly it trickles in.
Each refusal is written as a whole response with `Connection: close`, and the connection
closed once the client has had a moment to read it. An idle keep-alive connection is
uvicorn's own `timeout_keep_alive`; a body that stops arriving is `Request`'s idle timeout.

It also offers ASGI's zero-copy send (`packyard.http.zerocopy`): a local blob's bytes go
from its file to the socket by the kernel (through one reused buffer, or by `sendfile`),
with no Python-side copy per chunk.

`packyard serve` names this class to uvicorn by its import path (`CONNECTION`), so worker
processes load it themselves.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from packyard.http.asgi import ZEROCOPY
from packyard.http.zerocopy import ZeroCopyCycle

CONNECTION = "packyard.http.connection:BoundedConnection"

KiB = 1024
# nginx's default buffers hold a request line of 8 KB; no registry name comes close.
MAX_TARGET = 8 * KiB
# Bearer tokens and skopeo's six Accept headers are a few KB; 64 KB is far above any client.
MAX_HEADER_BYTES = 64 * KiB
MAX_HEADERS = 128
HEAD_TIMEOUT = 60.0

TOO_LARGE = b"The request's headers are too large."
# Seconds a refused connection's further bytes are read and dropped before it is closed.
LINGER = 2.0
# What every request's scope offers the app (ASGI's `extensions`): apps only read it.
EXTENSIONS: dict[str, dict[object, object]] = {ZEROCOPY: {}}


class _Refused(Exception):
    """Raised in a parser callback to stop the parse; the refusal is on the connection."""


class BoundedConnection(HttpToolsProtocol):
    max_target = MAX_TARGET
    max_header_bytes = MAX_HEADER_BYTES
    max_headers = MAX_HEADERS
    head_timeout = HEAD_TIMEOUT
    linger = LINGER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._header_count = 0
        # httptools hands a header over only once it is whole, so a header that never ends
        # is counted here, as bytes received while a head is incomplete.
        self._in_head = True
        self._head_received = 0
        self._refusal: tuple[int, bytes] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        # asyncio leaves Nagle's algorithm on for sockets whose protocol number is 0, as
        # uvicorn's and `packyard serve`'s listening sockets are: every answer then waited
        # ~40 ms for the client's delayed ACK (2,280 pulls/s where 4,350 were possible).
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._arm_head_timer()  # a connection that never says anything is not kept

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # refused and closing: nothing more is parsed
        super().data_received(data)
        if self._in_head and self._refusal is None and not self.transport.is_closing():
            self._head_received += len(data)
            if self._head_received > self.max_target + self.max_header_bytes:
                self._refusal = (431, TOO_LARGE)
                self._write_refusal(*self._refusal)

    # the parser's callbacks -------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = EXTENSIONS
        self._in_head = True
        self._header_bytes = self._header_count = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_target:
            self._refuse(414, b"The request target is too long.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value) + 4  # ": " and CRLF
        if self._header_count > self.max_headers or self._header_bytes > self.max_header_bytes:
            self._refuse(431, TOO_LARGE)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._in_head, self._head_received = False, 0
        super().on_headers_complete()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        # uvicorn builds its own cycle class by name, so the one that can also send a file is
        # put in its place here, before the app runs: the same object and state, one method
        # more, and nothing added to a request that sends no file (wrapping `send` in a
        # closure would cost every REST request a call).
        cycle.__class__ = ZeroCopyCycle
        super()._start_asgi_task(cycle, app)

    # refusals -------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a parse that failed: ours when a callback refused it."""
        if self._refusal is None:
            super().send_400_response(msg)
            return
        status, message = self._refusal
        self._write_refusal(status, message)

    def _refuse(self, status: int, message: bytes) -> None:
        self._refusal = (status, message)
        raise _Refused(message.decode())  # httptools stops the parse; uvicorn calls 400

    def _write_refusal(self, status: int, message: bytes) -> None:
        self._cancel_head_timer()
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[status],
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: " + str(len(message)).encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    message,
                ]
            )
        )
        # Closing outright with the client's bytes still unread sends a reset, which can
        # destroy the answer before the client reads it: say we are done (FIN) and drop
        # what still comes for a moment first, as nginx's lingering close does.
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(self.linger, self.transport.close)
        else:
            self.transport.close()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        self._refusal = (408, b"The request's head did not arrive in time.")
        self._write_refusal(*self._refusal)
