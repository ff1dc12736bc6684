from __future__ import annotations

import orjson
import pytest

from packyard.domain.errors import DomainError, RateLimited
from packyard.registries.npm.errors import (
    CHALLENGE,
    STATUS_BY_ERROR,
    error_response,
    server_error,
    status_for,
)


@pytest.mark.parametrize(
    ("error", "status"), list(STATUS_BY_ERROR.items()), ids=lambda v: getattr(v, "__name__", v)
)
def test_every_row_renders_in_npms_shape(error: type[DomainError], status: int) -> None:
    instance = error("message", 7) if error is RateLimited else error("message")  # type: ignore[call-arg]
    response = error_response(instance)
    assert response.status == status == status_for(instance)
    assert orjson.loads(response.payload()) == {"error": "message"}
    assert response.headers["Content-Type"] == "application/json"
    assert ("WWW-Authenticate" in response.headers) is (status == 401)
    if status == 401:
        assert response.headers["WWW-Authenticate"] == CHALLENGE


def test_an_unmapped_refusal_is_a_500_with_its_message() -> None:
    class Unforeseen(DomainError):
        pass

    response = error_response(Unforeseen("odd"))
    assert response.status == 500 and orjson.loads(response.payload()) == {"error": "odd"}


def test_a_rate_limit_says_when_to_retry() -> None:
    response = error_response(RateLimited("slow down", retry_after=3))
    assert (response.status, response.headers["Retry-After"]) == (429, "3")


def test_the_catch_all() -> None:
    response = server_error()
    assert response.status == 500
    assert orjson.loads(response.payload()) == {"error": "Internal Server Error"}
