from __future__ import annotations

import asyncio

import pytest

from packyard.http import BodyTimeout, BodyTooLarge
from tests.unit.http.asgi_driver import request


def test_the_raw_path_keeps_percent_encoding_and_drops_the_prefix() -> None:
    req = request(path="/users/alice/packages/container/tools%2Fcli")
    assert req.raw_path == "/users/alice/packages/container/tools%2Fcli"
    assert req.client_host == "10.0.0.1"


def test_the_first_query_value_wins_and_all_stay_available() -> None:
    req = request(query="a=1&a=2&b=&c=x%2Fy")
    assert req.query == {"a": "1", "b": "", "c": "x/y"}
    assert req.query_values("a") == ["1", "2"] and req.query_values("z") == []


def test_repeated_headers_are_all_kept() -> None:
    accepts = [("Accept", "application/vnd.oci.image.manifest.v1+json; q=0.9")] + [
        ("Accept", f"type/{i}, other/{i}") for i in range(5)
    ]
    req = request(headers=[*accepts, ("X-One", "1")])
    assert len(req.header_values("accept")) == 6
    assert req.accepted()[0] == "application/vnd.oci.image.manifest.v1+json"
    assert len(req.accepted()) == 11
    assert req.headers["x-one"] == "1" and req.header_values("X-One") == ["1"]


def test_the_body_whole() -> None:
    req = request(method="PUT", body=[b"ab", b"", b"cd"])
    assert asyncio.run(req.body()) == b"abcd"
    assert asyncio.run(req.body()) == b""  # read once


def test_the_body_as_a_stream_and_in_batches() -> None:
    async def chunks() -> list[bytes]:
        return [chunk async for chunk in request(body=[b"ab", b"cd", b"e"]).stream()]

    assert asyncio.run(chunks()) == [b"ab", b"cd", b"e"]

    async def batches() -> list[bytes]:
        req = request(body=[b"ab", b"cd", b"e"])
        return [await req.read(3), await req.read(3), await req.read(3)]

    assert asyncio.run(batches()) == [b"abcd", b"e", b""]


def test_a_whole_body_stops_at_its_limit() -> None:
    req = request(method="PUT", body=[b"ab", b"cd", b"ef"])
    req.body_limit = 4
    with pytest.raises(BodyTooLarge) as refused:
        asyncio.run(req.body())
    assert refused.value.status == 413 and "4 bytes" in refused.value.message
    exact = request(method="PUT", body=[b"ab", b"cd"])
    assert asyncio.run(exact.body(limit=4)) == b"abcd"
    with pytest.raises(BodyTooLarge):  # a route's own limit, below the app's
        asyncio.run(request(method="PUT", body=[b"ab", b"cd"]).body(limit=3))


@pytest.mark.parametrize("declared", ["5", "9" * 5000])
def test_a_declared_length_past_the_limit_is_refused_before_reading(declared: str) -> None:
    read: list[bytes] = []

    async def receive() -> dict[str, object]:
        read.append(b"x")
        return {"type": "http.request", "body": b"x", "more_body": False}

    req = request(method="PUT", headers=[("Content-Length", declared)])
    req.receive = receive
    with pytest.raises(BodyTooLarge):
        asyncio.run(req.body(limit=4))
    assert read == []


def test_a_client_silent_mid_body_is_given_up_on() -> None:
    async def receive() -> dict[str, object]:
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b"late", "more_body": False}

    req = request(method="PUT")
    req.receive, req.idle_timeout = receive, 0.05
    with pytest.raises(BodyTimeout) as refused:
        asyncio.run(req.body())
    assert refused.value.status == 408
    streamed = request(method="PUT")
    streamed.receive, streamed.idle_timeout = receive, 0.05
    with pytest.raises(BodyTimeout):
        asyncio.run(streamed.read(10))
