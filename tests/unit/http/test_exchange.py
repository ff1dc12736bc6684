from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from packyard.http import (
    Blob,
    BodyRefused,
    BodyTimeout,
    Request,
    Response,
    exchange,
    exchange_inline,
)
from tests.unit.http.asgi_driver import Sent, request


def _failure() -> Response:
    return Response(500, {"error": "server"})


def test_an_unexpected_exception_is_logged_and_answered_in_the_apps_format(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def respond(_request: Request) -> Response:
        raise RuntimeError("boom")

    sent = Sent()
    asyncio.run(exchange(request(path="/x"), sent, respond, _failure))
    assert sent.status == 500 and sent.body == b'{"error":"server"}'
    assert "unhandled error on GET /x" in caplog.text and "boom" in caplog.text


def test_a_blob_that_cannot_be_opened_is_still_a_whole_500() -> None:
    def read(_start: int, _end: int) -> Iterator[bytes]:
        raise FileNotFoundError("gone")
        yield b""  # pragma: no cover

    async def respond(_request: Request) -> Response:
        return Response(200, blob=Blob(3, read, ranges=False))

    sent = Sent()
    asyncio.run(exchange(request(), sent, respond, _failure))
    assert sent.status == 500 and len(sent.messages) == 2


def test_a_blob_failing_halfway_is_re_raised_so_the_server_closes_the_connection() -> None:
    def read(_start: int, _end: int) -> Iterator[bytes]:
        yield b"a"
        raise OSError("disk")

    async def respond(_request: Request) -> Response:
        return Response(200, blob=Blob(3, read, ranges=False))

    sent = Sent()
    with pytest.raises(OSError, match="disk"):
        asyncio.run(exchange(request(), sent, respond, _failure))
    assert sent.status == 200


def test_a_refused_body_is_answered_by_the_app_and_closes_the_connection() -> None:
    async def respond(req: Request) -> Response:
        await req.body(limit=1)
        return Response(201)

    def refused(error: BodyRefused) -> Response:
        return Response(error.status, {"error": error.message})

    sent = Sent()
    req = request("PUT", body=[b"ab"])
    asyncio.run(exchange(req, sent, respond, _failure, refused))
    assert sent.status == 413 and b"limit of 1 bytes" in sent.body
    assert sent.headers["connection"] == "close"
    plain = Sent()
    asyncio.run(exchange(request("PUT", body=[b"ab"]), plain, respond, _failure))
    assert plain.status == 413 and plain.headers["content-type"].startswith("text/plain")


def test_an_inline_app_answers_a_refusal_too() -> None:
    def respond(_req: Request) -> Response:
        raise BodyTimeout(60)

    sent = Sent()
    asyncio.run(exchange_inline(request(), sent, respond, _failure))
    assert sent.status == 408 and sent.headers["connection"] == "close"
