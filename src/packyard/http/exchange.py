"""One request, one answer: the catch-all every app answers through.

An unexpected exception is logged and answered 500 in the app's own error format, never as
a bare traceback and never as a hang. If it strikes once the answer has started (a blob
that fails halfway), nothing whole can be said any more: it is logged and re-raised, and the
server closes the connection, so the client sees a short body rather than waiting.

A body the request refuses to read further (too large, or its client gone silent) is the
client's doing: answered by the app's `refused` (413 or 408, in its own format), and the
connection is closed, since the rest of that body is unread.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from packyard.http.asgi import Message, Send
from packyard.http.request import BodyRefused, Request
from packyard.http.response import Response

log = logging.getLogger("packyard")

Refusal = Callable[[BodyRefused], Response]
# An app's own answer to an exception raised while a streamed body was being opened (its
# first bytes read, nothing sent yet), or None when the exception is not one it knows.
Failure = Callable[[Exception], "Response | None"]


def plain_refusal(refused: BodyRefused) -> Response:
    """A refused body's answer for an app with no format of its own for it."""
    return Response(
        refused.status,
        content=refused.message.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


def _closing(response: Response) -> Response:
    response.headers["Connection"] = "close"
    return response


async def exchange(
    request: Request,
    send: Send,
    respond: Callable[[Request], Awaitable[Response]],
    server_error: Callable[[], Response],
    refused: Refusal = plain_refusal,
    failed: Failure | None = None,
) -> None:
    try:
        response = await respond(request)
        if response.blob is None:
            # All that can fail is computed before its first message goes out.
            await response.send(request, send)
            return
    except BodyRefused as refusal:
        await _closing(refused(refusal)).send(request, send)
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
    except Exception as error:
        known = None if started or failed is None else failed(error)
        if known is not None:  # a refusal the app says in its format: bytes found gone
            await known.send(request, send)
            return
        log.exception("unhandled error on %s %s", request.method, request.raw_path)
        if started:
            raise
        await server_error().send(request, send)


async def exchange_inline(
    request: Request,
    send: Send,
    respond: Callable[[Request], Response],
    server_error: Callable[[], Response],
    refused: Refusal = plain_refusal,
) -> None:
    """`exchange` for an app that answers inline, on the event loop (the REST API: its
    benchmarked fast path awaits nothing until it sends)."""
    try:
        response = respond(request)
    except BodyRefused as refusal:
        response = _closing(refused(refusal))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.raw_path)
        response = server_error()
    if response.blob is None:
        await response.send(request, send)
        return

    async def answered(_request: Request) -> Response:
        return response

    await exchange(request, send, answered, server_error, refused)
