"""ASGI's zero-copy send on uvicorn's httptools protocol: a blob's bytes go from the file to
the socket in the kernel (`sendfile`), never through a Python buffer.

The contract is the ASGI spec's "Zero Copy Send" extension, offered in every request's scope
as `scope["extensions"]["http.response.zerocopy"]`. After `http.response.start`, an app may
send

    {"type": "http.response.zerocopy", "file": <a binary file with a fileno()>,
     "offset": <int>, "count": <int>, "more_body": <bool>}

instead of `http.response.body`: the server sends `count` bytes of `file` from `offset`
(the file's own position is not used, and is not kept). The response must declare its
Content-Length; the app keeps ownership of the file and closes it. An app that finds no such
extension in its scope (another server, an in-process test client) sends bytes as usual:
`Response.send` does.

How it is sent: `loop.sendfile` on the connection's transport, which flushes what the
transport still holds (the head), pauses reading, and calls `os.sendfile` each time the
socket can take more, so a slow client holds a file descriptor and no memory; over TLS,
where the kernel cannot send a file, asyncio reads and writes it in 256 KB pieces instead.
A client that goes away mid-body makes `sendfile` fail: the connection is closed and the
response is over, as uvicorn does when a write finds its peer gone; the app is not told
(its later sends are dropped), so it neither raises nor logs a client's departure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from packyard.http.asgi import ZEROCOPY

log = logging.getLogger("packyard")


class ZeroCopyCycle(RequestResponseCycle):
    """uvicorn's request-response cycle, which also takes `http.response.zerocopy`."""

    def send(self, message: Any) -> Coroutine[Any, Any, None]:
        # Not itself a coroutine: every other message gets uvicorn's own `send` coroutine,
        # with no frame of ours between (the REST API's answers pay one comparison).
        if message["type"] == ZEROCOPY:
            return self._send_file(message)
        return super().send(message)

    async def _send_file(self, message: Any) -> None:
        if not self.response_started or self.response_complete:
            raise RuntimeError(f"Unexpected ASGI message '{ZEROCOPY}' outside a response body.")
        if self.chunked_encoding is not False and self.scope["method"] != "HEAD":
            raise RuntimeError(f"'{ZEROCOPY}' needs the response's Content-Length.")
        count: int = message["count"]
        if count > self.expected_content_length:
            raise RuntimeError("Response content longer than Content-Length")
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        sending = count > 0 and self.scope["method"] != "HEAD"
        if sending and not await self._sendfile(message["file"], message["offset"], count):
            return
        if not message.get("more_body", False):
            await super().send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _sendfile(self, file: Any, offset: int, count: int) -> bool:
        """Send the bytes; False if the connection is gone (or was closed for a short file)."""
        transport = self.transport
        if transport.is_closing():
            self.disconnected = True
            return False
        try:
            sent = await asyncio.get_running_loop().sendfile(transport, file, offset, count)
        except (OSError, RuntimeError):  # ConnectionError (the peer went away), EPIPE, …
            # Only the client's departure ends a send here: our file is open and its bytes
            # are on disk, so nothing in the app is wrong, and there is no one to answer.
            self._give_up()
            return False
        self.expected_content_length -= sent
        if sent < count:
            # The file is shorter than the response said: the body can only be cut short.
            log.error("a file sent zero-copy ended %d bytes early", count - sent)
            self._give_up()
            return False
        return True

    def _give_up(self) -> None:
        # Marked now, not when connection_lost comes round: uvicorn would otherwise log a
        # response left incomplete by an app that did nothing wrong.
        self.disconnected = True
        self.keep_alive = False
        self.transport.close()
