from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from packyard.client import Client, RetryPolicy


@pytest.fixture
def client_for(app: Any) -> Iterator[Any]:
    """SDK clients on the real app in-process: the test client is an httpx.Client."""
    made: list[TestClient] = []

    def make(token: str | None) -> Client:
        http = TestClient(app, base_url="http://testserver")
        made.append(http)
        return Client(
            token=token,
            base_url="http://testserver/api/v3",
            http_client=http,
            retry=RetryPolicy(retries=0),
            sleep=lambda _s: None,
        )

    yield make
    for http in made:
        http.close()
