"""`packyard serve` bounds what a connection may send before the app sees a request."""

from __future__ import annotations

import contextlib
import socket
from urllib.parse import urlsplit

import httpx

from tests.protocols.conftest import LiveServer


def test_a_huge_header_is_431_and_the_server_goes_on(live_server: LiveServer) -> None:
    url = urlsplit(live_server.url)
    address = (url.hostname or "127.0.0.1", url.port or 80)
    head = b"GET /_packyard/ping HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * (32 * 1024 * 1024)
    received = b""
    with socket.create_connection(address, timeout=10) as conn:
        with contextlib.suppress(OSError):  # refused before all of it was sent
            conn.sendall(head + b"\r\n\r\n")
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except OSError:
            pass
    assert received.startswith(b"HTTP/1.1 431"), received[:200]
    assert httpx.get(live_server.url + "/_packyard/ping").text == "ok"
