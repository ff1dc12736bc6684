"""Blob files sent zero-copy (ASGI's `http.response.zerocopy`: through a reused buffer, or by
`sendfile` once the buffers are taken), on a real uvicorn server with `packyard serve`'s
connection class: whole, by range, HEAD, on a kept-alive connection, to a client that goes
away mid-body, from a file deleted after it was opened, from a file shorter than said; and
the same bodies without the extension."""

from __future__ import annotations

import http.client
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import uvicorn

from packyard.cli.serving import server_config
from packyard.http import Blob, Message, Request, Response, zerocopy
from packyard.http.asgi import ZEROCOPY
from packyard.http.connection import BoundedConnection
from tests.unit.http.asgi_driver import request, send

SMALL = bytes(range(256)) * 40  # 10 KB
# More than loopback's socket buffers hold on both sides, so a send is still going when
# the client leaves.
LARGE = os.urandom(1024 * 1024) * 64
WAIT = 10.0


@dataclass
class Served:
    """What the app saw of one request."""

    file: BinaryIO
    offered: bool  # the scope offered the zero-copy extension
    sent: list[str] = field(default_factory=list)  # the types of the messages it sent
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class FileApp:
    """Serves the files of a folder through the kit's `Response` and `Blob.of_file`.

    `X-Unlink: 1` deletes the file once it is open (a blob deleted between lookup and send);
    `X-Claim-Extra: N` says the file is N bytes longer than it is."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.served: list[Served] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope, receive, "")
        path = self.root / request.raw_path.lstrip("/")
        file = path.open("rb", buffering=0)
        if request.headers.get("x-unlink"):
            path.unlink()
        size = os.fstat(file.fileno()).st_size + int(request.headers.get("x-claim-extra", "0"))
        served = Served(file, request.zerocopy)
        self.served.append(served)

        async def recorded(message: Message) -> None:
            served.sent.append(message["type"])
            await send(message)

        try:
            await Response(200, blob=Blob.of_file(file, size, ranges=True)).send(request, recorded)
        except BaseException as error:
            served.error = error
            raise
        finally:
            served.done.set()

    def last(self) -> Served:
        served = self.served[-1]
        assert served.done.wait(WAIT), "the app never finished sending"
        return served


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("files")
    (root / "small").write_bytes(SMALL)
    (root / "large").write_bytes(LARGE)
    (root / "empty").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def served(files: Path) -> Iterator[tuple[FileApp, tuple[str, int], Errors]]:
    app = FileApp(files)
    errors = Errors()
    for name in ("uvicorn.error", "packyard"):
        logging.getLogger(name).addHandler(errors)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    loop = server_config("127.0.0.1", 0, 1, access_log=False).loop  # as `packyard serve` runs
    config = uvicorn.Config(app, http=BoundedConnection, log_config=None, lifespan="off", loop=loop)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield app, sock.getsockname(), errors
    running.should_exit = True
    thread.join(timeout=WAIT)
    sock.close()
    for name in ("uvicorn.error", "packyard"):
        logging.getLogger(name).removeHandler(errors)


@pytest.fixture(params=["copy", "sendfile"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the server sends: through a copy buffer, or by `sendfile` once none is free."""
    if request.param == "sendfile":
        monkeypatch.setattr(zerocopy, "MAX_COPY_BUFFERS", 0)
        monkeypatch.setattr(zerocopy, "_BUFFERS", zerocopy._Buffers())
    return str(request.param)


@dataclass
class Got:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def get(address: tuple[str, int], path: str, method: str = "GET", **headers: str) -> Got:
    conn = http.client.HTTPConnection(*address, timeout=WAIT)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return Got(response.status, response.headers, response.read())
    finally:
        conn.close()


def test_a_file_goes_out_whole_by_zero_copy(served: Any, way: str) -> None:
    app, address, errors = served
    response = get(address, "/large")
    assert response.status == 200 and response.body == LARGE
    assert response.headers["Content-Length"] == str(len(LARGE))
    last = app.last()
    assert last.offered and last.sent == ["http.response.start", ZEROCOPY]
    assert last.file.closed and last.error is None and not errors.records


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=100-199", 100, 200), ("bytes=-1000", 9240, 10240), ("bytes=5000-", 5000, 10240)],
)
def test_a_range_is_sent_zero_copy_from_its_offset(
    served: Any, way: str, header: str, start: int, end: int
) -> None:
    app, address, _ = served
    response = get(address, "/small", Range=header)
    assert response.status == 206 and response.body == SMALL[start:end]
    assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/{len(SMALL)}"
    assert app.last().sent == ["http.response.start", ZEROCOPY]


def test_the_copy_buffers_are_reused(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, address, _ = served
    buffers = zerocopy._Buffers()
    monkeypatch.setattr(zerocopy, "_BUFFERS", buffers)
    for _ in range(3):
        assert get(address, "/large").body == LARGE
    # One send at a time: one buffer made, and given back after each.
    assert buffers._made == 1 and len(buffers._free) == 1


def test_head_sends_the_length_and_no_file(served: Any) -> None:
    app, address, _ = served
    response = get(address, "/large", method="HEAD")
    assert response.status == 200 and response.body == b""
    assert response.headers["Content-Length"] == str(len(LARGE))
    last = app.last()
    assert ZEROCOPY not in last.sent and last.file.closed


def test_an_empty_file_is_an_empty_body(served: Any) -> None:
    app, address, _ = served
    response = get(address, "/empty")
    assert response.status == 200 and response.body == b""
    assert ZEROCOPY not in app.last().sent


def test_the_connection_is_kept_alive_after_a_file(served: Any, way: str) -> None:
    _, address, _ = served
    conn = http.client.HTTPConnection(*address, timeout=WAIT)
    for _ in range(3):
        conn.request("GET", "/small", headers={"Range": "bytes=10-19"})
        assert conn.getresponse().read() == SMALL[10:20]
        conn.request("GET", "/small")
        assert conn.getresponse().read() == SMALL
    conn.close()


def test_a_client_that_goes_away_mid_body_ends_the_send_quietly(served: Any, way: str) -> None:
    app, address, errors = served
    with socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        client.connect(address)
        client.sendall(b"GET /large HTTP/1.1\r\nHost: a\r\n\r\n")
        assert client.recv(65536).startswith(b"HTTP/1.1 200")
        # A reset, not a polite close: the server's next send fails at once.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    last = app.last()
    assert last.sent == ["http.response.start", ZEROCOPY]
    assert last.error is None and last.file.closed
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert get(address, "/small").body == SMALL  # and the server goes on


def test_a_file_deleted_once_open_is_still_sent_whole(served: Any, way: str, files: Path) -> None:
    _, address, _ = served
    (files / "doomed").write_bytes(LARGE)
    response = get(address, "/doomed", **{"X-Unlink": "1"})
    assert response.status == 200 and response.body == LARGE
    assert not (files / "doomed").exists()


def test_a_file_shorter_than_said_is_cut_short_not_hung(served: Any, way: str) -> None:
    app, address, errors = served
    with socket.create_connection(address, timeout=WAIT) as client:
        client.sendall(b"GET /small HTTP/1.1\r\nHost: a\r\nX-Claim-Extra: 100\r\n\r\n")
        received = b""
        while chunk := client.recv(65536):  # the server closes: no wait for 100 more bytes
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-length: %d" % (len(SMALL) + 100) in head.lower() and body == SMALL
    assert app.last().file.closed
    assert [r.getMessage() for r in errors.records] == [
        "a file sent zero-copy ended 100 bytes early"
    ]
    errors.records.clear()


def test_without_the_extension_the_file_is_read_by_offset(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(SMALL)
    for headers, body in (([], SMALL), ([("Range", "bytes=7-70")], SMALL[7:71])):
        file = path.open("rb", buffering=0)
        sent = send(
            Response(200, blob=Blob.of_file(file, len(SMALL), True)), request(headers=headers)
        )
        assert sent.body == body and file.closed
        assert ZEROCOPY not in [m["type"] for m in sent.messages]
