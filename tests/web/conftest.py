"""The web pages in-process: a browser-like client (it keeps cookies) on the whole ASGI app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import ALL_PACKAGE_SCOPES, Clock, seed

# A token for carol, acme's admin: the world's one user who may read acme's private package.
CAROL = "ghp_carol_full_000000000000000000000000000"
PRIVATE = "/orgs/acme/packages/npm/package/web-ui"
MISSING = "/orgs/acme/packages/npm/package/no-such-package"
PUBLIC = "/users/alice/packages/container/package/tools%2Fcli"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """A TestClient that signs in and posts forms as a person's browser does."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, follow_redirects=False)

    def csrf(self, path: str = "/login") -> str:
        found = _CSRF.search(self.get(path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.client.post(path, data=data, follow_redirects=False)

    def sign_in(self, token: str) -> httpx.Response:
        return self.post("/login", {"token": token, "csrf": self.csrf()})

    def sign_out(self) -> httpx.Response:
        return self.post("/logout", {"csrf": self.csrf("/")})


@pytest.fixture
def browser(app: Any) -> Iterator[Browser]:
    with TestClient(app, base_url="http://testserver") as client:
        yield Browser(client)


@pytest.fixture
def stranger(app: Any) -> Iterator[Browser]:
    """A second browser, with cookies of its own."""
    with TestClient(app, base_url="http://testserver") as client:
        yield Browser(client)


def full_token(store: Any, clock: Clock, user: str, token: str) -> str:
    """Seed a classic `token` for `user` with every package scope; returns it."""
    row = {"user": user, "token": token, "kind": "classic", "scopes": ALL_PACKAGE_SCOPES}
    seed(store, {"tokens": [row]}, clock.now)
    return token


@pytest.fixture
def carol(store: Any, world: Any, clock: Clock) -> str:
    return full_token(store, clock, "carol", CAROL)


# A Maven package of alice's linked to alice/tools: its visibility and access are the
# repository's.
MAVEN_LIB = "/users/alice/packages/maven/package/com.example.lib"


@pytest.fixture
def maven_lib(store: Any, world: Any, clock: Clock) -> str:
    seed(
        store,
        {
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "maven",
                    "name": "com.example.lib",
                    "visibility": "public",
                    "repository": "alice/tools",
                    "versions": [{"name": "1.0"}],
                }
            ]
        },
        clock.now,
    )
    return MAVEN_LIB
