from __future__ import annotations

import dataclasses

import pytest

from packyard.http import Params, Route, Router


def _tail(marker: str):  # type: ignore[no-untyped-def]
    def match(raw_path: str) -> Params | None:
        head, sep, tail = raw_path.rpartition(marker)
        return {"name": head.strip("/"), "ref": tail} if sep and head else None

    return match


MANIFESTS = _tail("/manifests/")
BLOBS = _tail("/blobs/")
ROUTES: list[Route[str, None]] = [
    Route("GET", ("users", "{username}"), "user", None),
    Route("GET", ("users", "me"), "never: the row above comes first", None),
    Route("GET", MANIFESTS, "get manifest", None),
    Route("PUT", MANIFESTS, "put manifest", None),
    Route("GET", BLOBS, "get blob", None),
]


def test_a_route_declares_everything() -> None:
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(Route))
    with pytest.raises(TypeError):
        Route("GET", ("x",), "handler")  # type: ignore[call-arg]


def test_patterns_match_the_raw_path_and_decode_each_segment() -> None:
    router = Router(ROUTES)
    assert router.match("GET", "/users/a%2Fb") == (ROUTES[0], {"username": "a/b"})
    assert router.match("GET", "/users/me") == (ROUTES[0], {"username": "me"})
    assert router.match("GET", "/users/a/b") is None
    assert router.match("POST", "/users/a") is None


def test_the_first_matcher_that_matches_claims_the_path() -> None:
    router = Router(ROUTES)
    found = router.match("PUT", "/a/b/manifests/latest")
    assert found is not None and found[0].handler == "put manifest"
    assert found[1] == {"name": "a/b", "ref": "latest"}
    # `/blobs/` would match too, but `/manifests/` claimed the path first.
    assert router.match("DELETE", "/a/blobs/x/manifests/y") is None
    assert router.knows("/a/blobs/x/manifests/y") and router.knows("/users/x")
    assert not router.knows("/nothing")


def test_two_routes_for_one_method_on_one_matcher_fail_at_once() -> None:
    with pytest.raises(ValueError, match="two routes"):
        Router([Route("GET", BLOBS, "a", None), Route("GET", BLOBS, "b", None)])
