"""Blocking work off the event loop, and the request body back into it.

The registries' services are synchronous (a database transaction, a blob store's file I/O).
Their handlers run whole in a worker thread (`in_thread`); a handler that needs the request
body reads it from there with `body_from_thread` / `read_from_thread`, which hop back to the
event loop for it. The REST API stays inline: it is the benchmarked fast path and does no
blob I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

import anyio.from_thread
from starlette.concurrency import run_in_threadpool

from packyard.http.request import Request

P = ParamSpec("P")
T = TypeVar("T")


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await run_in_threadpool(fn, *args, **kwargs)


def body_from_thread(request: Request, limit: int | None = None) -> bytes:
    """From a worker thread: the whole request body, within `limit` (`Request.body`)."""
    return anyio.from_thread.run(request.body, limit)


def batches_from_thread(request: Request, at_least: int) -> Iterator[bytes]:
    """From a worker thread: the body in batches of `at_least` bytes or more (the last may be
    smaller), one hop to the event loop per batch rather than per chunk.

    The next batch is read on the event loop while this thread stores the last one: asked
    for only once the last was stored, receiving and storing took turns (the client's bytes
    waited in the socket while a batch was written and hashed). Two batches are held at
    most; one read ahead of a consumer that stops early is cancelled."""
    loop = anyio.from_thread.run_sync(asyncio.get_running_loop)
    ahead = asyncio.run_coroutine_threadsafe(request.read(at_least), loop)
    try:
        while batch := ahead.result():
            ahead = asyncio.run_coroutine_threadsafe(request.read(at_least), loop)
            yield batch
    finally:
        ahead.cancel()
