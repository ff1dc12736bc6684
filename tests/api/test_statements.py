"""How many statements the REST hot paths send to SQLite, BEGIN and COMMIT included: each
lever that took one away is pinned here, so a change that brings one back is seen (the
figures are bench/hotpaths.py's, on the connection uvicorn's thread holds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ALICE, Api, Clock, alice_with, seed

PATH = "/users/alice/packages/container/app"
A, B, C = ("sha256:" + c * 64 for c in "abc")


@pytest.fixture
def statements(backend: str, api: Api, app: Any, store: Any, clock: Clock) -> Iterator[list[str]]:
    if backend != "sqlite":
        pytest.skip("counted with SQLite's trace callback; bench/hotpaths.py counts PostgreSQL's")
    seed(
        store,
        alice_with(
            [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "app",
                    "visibility": "private",
                    "versions": [{"name": A, "tags": ["latest"]}, {"name": B}, {"name": C}],
                }
            ]
        ),
        clock.now,
    )
    assert api.get(f"{PATH}/versions", ALICE).status_code == 200  # opens the held connection
    rest = app.rest.store
    assert rest._holds()
    raw = rest._held.conn.connection.dbapi_connection
    sent: list[str] = []
    raw.set_trace_callback(sent.append)
    yield sent
    raw.set_trace_callback(None)


def _ids(api: Api) -> dict[str, int]:
    return {v["name"]: v["id"] for v in api.get(f"{PATH}/versions", ALICE).json()}


def test_get_version(api: Api, statements: list[str]) -> None:
    version_id = _ids(api)[B]
    statements.clear()
    assert api.get(f"{PATH}/versions/{version_id}", ALICE).status_code == 200
    # The token's row, then the owner, its package and the version in one read.
    assert len(statements) == 2, statements


def test_list_versions(api: Api, statements: list[str]) -> None:
    statements.clear()
    assert api.get(f"{PATH}/versions", ALICE).status_code == 200
    assert len(statements) == 3, statements


def test_delete_version(api: Api, statements: list[str]) -> None:
    version_id = _ids(api)[B]
    statements.clear()
    assert api.delete(f"{PATH}/versions/{version_id}", ALICE).status_code == 204
    assert statements[1] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT", statements
    # The package was read live after BEGIN IMMEDIATE: it is not read again to be locked.
    assert not any("FOR UPDATE" in s or "SELECT packages.deleted_at" in s for s in statements)
    # A container's parents and children are read in one statement.
    assert sum("oci_references" in s for s in statements) == 1, statements
    # The version was read untagged under BEGIN IMMEDIATE: it has no tags to take.
    assert not any("DELETE FROM version_tags" in s for s in statements), statements
    # The owner, the package and the version in one read, not read again once locked.
    assert sum("FROM package_versions" in s for s in statements) == 1, statements
    assert len(statements) == 8, statements
