"""Blob downloads from a real `packyard serve` over a local store, sent zero-copy: whole, by
range, HEAD, a blob deleted on disk before or during its download, a client that leaves
mid-body. (`tests/unit/http/test_zerocopy.py` drives the same path from the socket up.)"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer

REPOSITORY = "alice/downloads"
# Larger than loopback's socket buffers hold, so a download is still being sent when a
# client reads only its start.
LAYER = os.urandom(1024 * 1024) * 24
DIGEST = "sha256:" + hashlib.sha256(LAYER).hexdigest()


@pytest.fixture(scope="module")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, auth=("alice", ALICE), timeout=30) as client:
        yield client


def push(http: httpx.Client, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    done = http.post(f"/v2/{REPOSITORY}/blobs/uploads/", params={"digest": digest}, content=data)
    assert done.status_code == 201, done.text
    return digest


def blob_file(server: LiveServer, digest: str) -> Path:
    hex_ = digest.removeprefix("sha256:")
    return Path(server.env["PACKYARD_DATA_DIR"]) / "blobs" / "sha256" / hex_[:2] / hex_[2:4] / hex_


@pytest.fixture(scope="module")
def layer(http: httpx.Client) -> str:
    return push(http, LAYER)


def test_a_blob_downloads_whole(http: httpx.Client, layer: str) -> None:
    got = http.get(f"/v2/{REPOSITORY}/blobs/{layer}")
    assert got.status_code == 200 and got.content == LAYER
    assert got.headers["content-length"] == str(len(LAYER))
    assert got.headers["docker-content-digest"] == layer


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=1000000-2999999", 1_000_000, 3_000_000),
        ("bytes=-10", len(LAYER) - 10, len(LAYER)),
    ],
)
def test_a_range_of_a_blob(
    http: httpx.Client, layer: str, header: str, start: int, end: int
) -> None:
    got = http.get(f"/v2/{REPOSITORY}/blobs/{layer}", headers={"Range": header})
    assert got.status_code == 206 and got.content == LAYER[start:end]
    assert got.headers["content-range"] == f"bytes {start}-{end - 1}/{len(LAYER)}"


def test_head_of_a_blob_is_its_length_alone(http: httpx.Client, layer: str) -> None:
    got = http.head(f"/v2/{REPOSITORY}/blobs/{layer}")
    assert got.status_code == 200 and got.content == b""
    assert got.headers["content-length"] == str(len(LAYER))


def test_a_blob_deleted_during_its_download_still_arrives_whole(
    live_server: LiveServer, http: httpx.Client
) -> None:
    """A sweep (or an operator) removing the file once it is being sent: the open file
    keeps its bytes, so the client gets all of them."""
    data = os.urandom(1024 * 1024) * 24
    digest = push(http, data)
    received = bytearray()
    with http.stream("GET", f"/v2/{REPOSITORY}/blobs/{digest}") as got:
        parts = got.iter_raw(65536)
        received += next(parts)
        blob_file(live_server, digest).unlink()
        for part in parts:
            received += part
    assert got.status_code == 200 and bytes(received) == data


def test_a_blob_whose_file_is_gone_is_blob_unknown_not_a_500(
    live_server: LiveServer, http: httpx.Client
) -> None:
    digest = push(http, b"a blob whose file goes missing")
    blob_file(live_server, digest).unlink()
    got = http.get(f"/v2/{REPOSITORY}/blobs/{digest}")
    assert got.status_code == 404
    assert got.json()["errors"][0]["code"] == "BLOB_UNKNOWN"


def test_a_client_leaving_mid_download_leaves_the_server_serving(
    live_server: LiveServer, http: httpx.Client, layer: str
) -> None:
    url = httpx.URL(live_server.url)
    basic = base64.b64encode(f"alice:{ALICE}".encode()).decode()
    head = (
        f"GET /v2/{REPOSITORY}/blobs/{layer} HTTP/1.1\r\nHost: a\r\n"
        f"Authorization: Basic {basic}\r\n\r\n"
    )
    log = Path(live_server.env["PACKYARD_DATA_DIR"]) / "server.log"
    logged = log.stat().st_size
    for _ in range(3):
        with socket.create_connection((url.host, url.port or 80), timeout=10) as client:
            client.sendall(head.encode())
            assert client.recv(65536).startswith(b"HTTP/1.1 200")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert http.get(f"/v2/{REPOSITORY}/blobs/{layer}").content == LAYER
    with log.open("rb") as lines:
        lines.seek(logged)
        assert b"Traceback" not in lines.read()
