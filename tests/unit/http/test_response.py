from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from packyard.http import JSON_TYPE, Blob, Response
from tests.unit.http.asgi_driver import request, send

DATA = bytes(range(10))


def _blob(ranges: bool) -> Blob:
    def read(start: int, end: int) -> Iterator[bytes]:
        yield DATA[start : min(end, start + 4)]
        if end > start + 4:
            yield DATA[start + 4 : end]

    return Blob(len(DATA), read, ranges=ranges)


def test_json_is_githubs_json_with_its_length() -> None:
    body = {"at": datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)}
    sent = send(Response(200, body, {"X-Extra": "1"}), request())
    assert sent.body == b'{"at":"2026-01-02T03:04:05Z"}'
    assert sent.headers["content-type"] == JSON_TYPE and sent.headers["x-extra"] == "1"
    assert sent.headers["content-length"] == str(len(sent.body))


def test_a_204_has_no_type_and_no_length() -> None:
    # RFC 9110 (8.6): a server must not send Content-Length in a 204.
    sent = send(Response(204), request())
    assert sent.status == 204 and "content-type" not in sent.headers
    assert "content-length" not in sent.headers and sent.body == b""


def test_another_empty_response_has_length_zero() -> None:
    sent = send(Response(404), request())
    assert sent.headers["content-length"] == "0" and sent.body == b""


def test_bytes_keep_their_own_type() -> None:
    sent = send(Response(200, headers={"Content-Type": "x/y"}, content=b"abc"), request())
    assert sent.headers["content-type"] == "x/y" and sent.body == b"abc"


@pytest.mark.parametrize(
    "response",
    [Response(200, {"a": 1}), Response(404, headers={"Content-Type": "x"}, content=b"nope")],
)
def test_head_says_how_long_get_would_be_and_sends_nothing(response: Response) -> None:
    length = len(response.payload())
    sent = send(response, request("HEAD"))
    assert sent.headers["content-length"] == str(length) and sent.body == b""


def test_an_etag_and_304_where_asked() -> None:
    body = {"name": "left-pad"}
    first = send(Response(200, body, etag=True), request())
    tag = '"' + hashlib.sha1(first.body).hexdigest() + '"'
    assert first.headers["etag"] == tag
    again = send(Response(200, body, etag=True), request(headers=[("If-None-Match", tag)]))
    assert again.status == 304 and again.body == b"" and again.headers["etag"] == tag
    # RFC 9110 (8.6): a 304's Content-Length may only be the 200's; none is sent.
    assert "content-length" not in again.headers
    head = send(Response(200, body, etag=True), request("HEAD", headers=[("If-None-Match", tag)]))
    assert head.status == 304 and "content-length" not in head.headers
    assert "etag" not in send(Response(200, body), request()).headers
    assert "etag" not in send(Response(201, body, etag=True), request("PUT")).headers


def test_a_blob_streams_whole_without_ranges() -> None:
    sent = send(Response(200, blob=_blob(False)), request(headers=[("Range", "bytes=0-1")]))
    assert sent.status == 200 and sent.body == DATA and "accept-ranges" not in sent.headers
    assert sent.headers["content-length"] == "10"


@pytest.mark.parametrize(
    ("header", "status", "body", "content_range"),
    [
        (None, 200, DATA, None),
        ("bytes=2-6", 206, DATA[2:7], "bytes 2-6/10"),
        ("bytes=-3", 206, DATA[7:], "bytes 7-9/10"),
        ("bytes=4-", 206, DATA[4:], "bytes 4-9/10"),
        ("bytes=4-" + "9" * 5000, 206, DATA[4:], "bytes 4-9/10"),  # was a 500
    ],
)
def test_a_blob_answers_ranges(
    header: str | None, status: int, body: bytes, content_range: str | None
) -> None:
    headers = [("Range", header)] if header else []
    sent = send(Response(200, {"ignored": 1}, blob=_blob(True)), request(headers=headers))
    assert (sent.status, sent.body) == (status, body)
    assert sent.headers.get("content-range") == content_range
    assert sent.headers["accept-ranges"] == "bytes"
    assert sent.headers["content-length"] == str(len(body))
    head = send(Response(200, blob=_blob(True)), request("HEAD", headers=headers))
    assert head.status == status and head.body == b""
    assert head.headers["content-length"] == str(len(body))


def test_a_range_past_the_end_is_416() -> None:
    response = Response(200, headers={"Docker-Content-Digest": "d"}, blob=_blob(True))
    sent = send(response, request(headers=[("Range", "bytes=10-")]))
    assert sent.status == 416 and sent.body == b""
    assert sent.headers == {"content-range": "bytes */10", "content-length": "0"}
