"""The versions listing keeps each version's rendered JSON by the package's version
generation: whatever changes a version (its tags moved, it deleted or restored), in this
process or another sharing the database, the next listing shows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from packyard.api import render
from packyard.config import Settings
from packyard.domain.types import PackageType
from packyard.server import create_app
from tests.conftest import ALICE, APP_VERSIONS, Api, Clock, DirectTransport, seed_app

PATH = "/users/alice/packages/container/app"
A, B, C = APP_VERSIONS


@pytest.fixture
def other(settings: Settings, engine: Engine, clock: Clock) -> Iterator[Api]:
    """A second server process on the same database, with caches of its own."""
    app = create_app(settings, engine, clock=clock)
    with httpx.Client(transport=DirectTransport(app.rest), base_url="http://testserver") as c:
        yield Api(c)


@pytest.fixture
def ids(store: Any, clock: Clock) -> dict[str, int]:
    return seed_app(store, clock.now, "private")


def tags(api: Api, state: str = "active") -> dict[str, list[str]]:
    response = api.get(f"{PATH}/versions?state={state}", ALICE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return {v["name"]: v["metadata"]["container"]["tags"] for v in response.json()}


def test_listing_twice_answers_the_same(api: Api, ids: dict[str, int]) -> None:
    first = api.get(f"{PATH}/versions", ALICE)
    again = api.get(f"{PATH}/versions", ALICE)
    assert first.content == again.content
    assert [v["id"] for v in first.json()] == sorted(ids.values(), reverse=True)


def test_a_tag_moved_in_another_process_shows(
    api: Api, store: Any, clock: Clock, ids: dict[str, int]
) -> None:
    assert tags(api) == {A: ["latest"], B: ["v2"], C: []}
    with store.write() as tx:  # what a registry push of `latest` onto C does
        owner = tx.accounts.find_account_by_login("alice")
        package = tx.packages.find_package(owner.id, PackageType.CONTAINER, "app")
        tx.versions.move_tag(package.id, "latest", ids[C], clock.now)
    assert tags(api) == {A: [], B: ["v2"], C: ["latest"]}
    with store.write() as tx:
        tx.versions.untag(package.id, "v2")
    assert tags(api) == {A: [], B: [], C: ["latest"]}


def test_deleted_and_restored_in_another_process_show(
    api: Api, other: Api, ids: dict[str, int]
) -> None:
    assert tags(api) == {A: ["latest"], B: ["v2"], C: []}
    assert tags(api, "deleted") == {}
    assert other.delete(f"{PATH}/versions/{ids[B]}", ALICE).status_code == 204
    assert tags(api) == {A: ["latest"], C: []}
    deleted = api.get(f"{PATH}/versions?state=deleted", ALICE).json()
    assert [(v["name"], v["metadata"]["container"]["tags"]) for v in deleted] == [(B, ["v2"])]
    assert deleted[0]["deleted_at"]
    assert other.post(f"{PATH}/versions/{ids[B]}/restore", ALICE).status_code == 204
    assert tags(api) == {A: ["latest"], B: ["v2"], C: []}
    assert tags(api, "deleted") == {}
    assert "deleted_at" not in api.get(f"{PATH}/versions", ALICE).json()[1]


def test_the_kept_versions_are_bounded(
    api: Api, app: Any, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "MAX_KEPT_VERSIONS", 2)
    first = api.get(f"{PATH}/versions", ALICE)
    assert api.get(f"{PATH}/versions", ALICE).content == first.content
    assert len(first.json()) == 3
    assert len(app.rest.render._kept) == 2
