"""What the registries' whole-app tests share: the app with examples/world.yaml and carol, a
stranger to alice's packages, and the REST API beside the registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE, ALL_PACKAGE_SCOPES, Clock, seed

CAROL = "ghp_carol_full_0000000000000000000000000"  # every scope; no access to alice's packages


@pytest.fixture
def client(app: Any, world: Any, store: SqlStore, clock: Clock) -> Iterator[TestClient]:
    """The app over examples/world.yaml, and carol with a classic token of every scope."""
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "carol",
                    "token": CAROL,
                    "kind": "classic",
                    "scopes": ALL_PACKAGE_SCOPES,
                }
            ]
        },
        clock.now,
    )
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def rest(client: TestClient, method: str, path: str, token: str = ALICE) -> httpx.Response:
    return client.request(method, f"/api/v3{path}", headers={"Authorization": f"Bearer {token}"})


def version_ids(
    client: TestClient, package_type: str, name: str, state: str = "active"
) -> dict[str, int]:
    """The REST API's versions of alice's `name` in `state`: version → id."""
    listed = rest(client, "GET", f"/user/packages/{package_type}/{name}/versions?state={state}")
    assert listed.status_code == 200, listed.text
    return {v["name"]: v["id"] for v in listed.json()}
