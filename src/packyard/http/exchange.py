"""One request, one answer: the catch-all every app answers through.

An unexpected exception is logged and answered 500 in the app's own error format, never as
a bare traceback and never as a hang. If it strikes once the answer has started (a blob
that fails halfway), nothing whole can be said any more: it is logged and re-raised, and the
server closes the connection, so the client sees a short body rather than waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from packyard.http.asgi import Message, Send
from packyard.http.request import Request
from packyard.http.response import Response

log = logging.getLogger("packyard")


async def exchange(
    request: Request,
    send: Send,
    respond: Callable[[Request], Awaitable[Response]],
    server_error: Callable[[], Response],
) -> None:
    try:
        response = await respond(request)
        if response.blob is None:
            # All that can fail is computed before its first message goes out.
            await response.send(request, send)
            return
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.raw_path)
        await server_error().send(request, send)
        return
    started = False

    async def tracked(message: Message) -> None:
        nonlocal started
        started = True
        await send(message)

    try:
        await response.send(request, tracked)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.raw_path)
        if started:
            raise
        await server_error().send(request, send)


async def exchange_inline(
    request: Request,
    send: Send,
    respond: Callable[[Request], Response],
    server_error: Callable[[], Response],
) -> None:
    """`exchange` for an app that answers inline, on the event loop (the REST API: its
    benchmarked fast path awaits nothing until it sends)."""
    try:
        response = respond(request)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.raw_path)
        response = server_error()
    if response.blob is None:
        await response.send(request, send)
        return

    async def answered(_request: Request) -> Response:
        return response

    await exchange(request, send, answered, server_error)
