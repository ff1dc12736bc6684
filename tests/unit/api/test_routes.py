from __future__ import annotations

import dataclasses

import pytest

from packyard.api.errors import STATUS_BY_ERROR, error_body, status_for
from packyard.api.routes import ROUTES, Route, Router
from packyard.domain.errors import DomainError, Forbidden, NotFound, RateLimited


def test_every_route_declares_what_it_needs() -> None:
    required = [f.name for f in dataclasses.fields(Route) if f.default is dataclasses.MISSING]
    assert {"operation", "requires_login", "docs", "operation_id"} <= set(required)
    for route in ROUTES:
        assert route.docs, route
        if route.method != "GET":
            assert route.requires_login, route
        if route.pattern[:1] == ("user",) and route.operation is not None:
            assert route.requires_login, route


@pytest.mark.parametrize(
    ("error", "status"),
    sorted(STATUS_BY_ERROR.items(), key=lambda i: i[1]),
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_every_error_row_renders(error: type[DomainError], status: int) -> None:
    if issubclass(error, RateLimited):
        instance: DomainError = error("slow down", retry_after=3)
    elif error is Forbidden:
        instance = Forbidden("no", ("read:packages",))
    else:
        instance = error("message")
    assert status_for(instance) == status
    body = error_body(instance.message, status)
    assert body["status"] == str(status) and body["message"] == instance.message


def test_router_matches_the_raw_path() -> None:
    router = Router(ROUTES)
    route, params = router.match("GET", "/users/alice/packages/container/tools%2Fcli")
    assert params["package_name"] == "tools/cli" and route.operation_id == "get-package-for-user"
    with pytest.raises(NotFound):
        router.match("GET", "/users/alice/packages/container/tools/cli")
    with pytest.raises(NotFound):  # wrong method on a known route, as GitHub answers
        router.match("PUT", "/users/alice/packages/container/tools%2Fcli")
