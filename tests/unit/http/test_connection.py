"""The bounded connection, on a real uvicorn server and raw sockets: what a client may send
before an app sees a request, and how long it may take."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from packyard.cli.serving import server_config
from packyard.http.connection import CONNECTION, BoundedConnection


class Tight(BoundedConnection):
    """The same limits, small enough to reach in a test."""

    nodelay: list[int] = []  # noqa: RUF012 - what each accepted socket said, for one test
    max_target = 1024
    max_header_bytes = 4096
    max_headers = 20
    head_timeout = 0.5
    linger = 0.1

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        self.nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


async def hello(scope: Any, receive: Any, send: Any) -> None:
    """Says hello, and how many body bytes it read."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello %d" % size})


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = server_config("127.0.0.1", 0, 1, access_log=False).loop  # as `packyard serve` runs
    config = uvicorn.Config(hello, http=Tight, log_level="critical", lifespan="off", loop=loop)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield "127.0.0.1", port
    running.should_exit = True
    thread.join(timeout=10)
    sock.close()


def exchange(address: tuple[str, int], *parts: bytes, pause: float = 0.0) -> bytes:
    """Send `parts` (pausing between them), then read until the server closes."""
    with socket.create_connection(address, timeout=5) as conn:
        try:
            for part in parts:
                conn.sendall(part)
                time.sleep(pause)
        except OSError:  # the server may close before everything is sent
            pass
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except OSError:
            pass
        return received


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response else 0


def test_an_ordinary_request_is_answered(server: tuple[str, int]) -> None:
    response = exchange(server, b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert status(response) == 200 and b"hello" in response


def test_a_body_is_not_a_header(server: tuple[str, int]) -> None:
    body = b"x" * (8 * 1024 * 1024)
    head = b"PUT / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
    response = exchange(server, head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert status(response) == 200 and b"hello %d" % len(body) in response


def test_a_long_request_target_is_414(server: tuple[str, int]) -> None:
    response = exchange(server, b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert status(response) == 414
    assert b"connection: close" in response


@pytest.mark.parametrize(
    "headers",
    [
        b"X-Big: " + b"a" * 5000 + b"\r\n",  # one header too large
        b"".join(b"X-%d: 1\r\n" % i for i in range(30)),  # too many
        b"X-Big: " + b"a" * 32 * 1024 * 1024 + b"\r\n",  # the 32 MB header once accepted
    ],
)
def test_headers_too_large_or_too_many_are_431(server: tuple[str, int], headers: bytes) -> None:
    response = exchange(server, b"GET / HTTP/1.1\r\nHost: a\r\n" + headers + b"\r\n")
    assert status(response) == 431


def test_a_connection_that_says_nothing_is_closed(server: tuple[str, int]) -> None:
    started = time.monotonic()
    response = exchange(server)
    assert status(response) == 408
    assert time.monotonic() - started < 3


def test_a_head_that_trickles_in_is_closed_however_slowly_it_comes(
    server: tuple[str, int],
) -> None:
    drip = [b"GET / HTTP/1.1\r\n"] + [b"X-%d: 1\r\n" % i for i in range(15)]
    started = time.monotonic()
    response = exchange(server, *drip, pause=0.1)
    assert status(response) == 408
    assert time.monotonic() - started < 3


def test_keep_alive_requests_each_get_their_own_time(server: tuple[str, int]) -> None:
    request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    last = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    response = exchange(server, request, request, last, pause=0.3)
    assert response.count(b"HTTP/1.1 200") == 3


def test_answers_are_sent_at_once_not_held_for_an_ack(server: tuple[str, int]) -> None:
    """Nagle's algorithm off on every accepted socket: with it on, asyncio's sockets held
    each answer's last segment until the client's delayed ACK (~40 ms a request)."""
    Tight.nodelay.clear()
    assert (
        status(exchange(server, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")) == 200
    )
    assert Tight.nodelay and all(Tight.nodelay)


def test_packyard_serve_uses_the_bounded_connection() -> None:
    config = server_config("127.0.0.1", 8080, 1, access_log=False)
    assert config.http == CONNECTION
    assert config.limit_concurrency is not None
    assert config.loop == "asyncio"
    config.load()
    assert config.http_protocol_class is BoundedConnection
