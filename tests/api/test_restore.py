from __future__ import annotations

from datetime import timedelta
from typing import Any

from packyard.config import Settings
from packyard.core.gc import collect_garbage
from packyard.server import registered_formats
from tests.conftest import ALICE, Api, Clock, alice_with, seed

PATH = "/users/alice/packages/container/app"
A, B, C = ("sha256:" + c * 64 for c in "abc")


FORMATS = registered_formats(Settings())


def world(store: Any, clock: Clock) -> None:
    seed(
        store,
        alice_with(
            [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "app",
                    "visibility": "private",
                    "versions": [
                        {"name": A, "tags": ["latest", "v1"]},
                        {"name": B, "tags": ["v2"]},
                        {"name": C},
                    ],
                }
            ]
        ),
        clock.now,
    )


def publish_again(store: Any, clock: Clock, version: str | None = None) -> None:
    """What a registry push does: a new live row, beside the deleted one of the same name."""
    from packyard.domain.types import PackageType, Visibility

    with store.write() as tx:
        owner = tx.accounts.find_account_by_login("alice")
        if version is None:
            tx.packages.create_package(
                owner.id, PackageType.CONTAINER, "app", Visibility.PRIVATE, None, clock.now
            )
            return
        package = tx.packages.find_package(owner.id, PackageType.CONTAINER, "app")
        tx.versions.create_version(package.id, version, clock.now)


def ids(api: Api, state: str = "active") -> dict[str, int]:
    return {v["name"]: v["id"] for v in api.get(f"{PATH}/versions?state={state}", ALICE).json()}


def tags(api: Api) -> dict[str, list[str]]:
    return {
        v["name"]: v["metadata"]["container"]["tags"]
        for v in api.get(f"{PATH}/versions", ALICE).json()
    }


def test_restore_window_boundary(api: Api, store: Any, clock: Clock) -> None:
    world(store, clock)
    vid = ids(api)[C]
    assert api.delete(f"{PATH}/versions/{vid}", ALICE).status_code == 204
    clock.advance(timedelta(days=30))
    assert api.post(f"{PATH}/versions/{vid}/restore", ALICE).status_code == 204
    assert api.delete(f"{PATH}/versions/{vid}", ALICE).status_code == 204
    clock.advance(timedelta(days=30, seconds=1))
    late = api.post(f"{PATH}/versions/{vid}/restore", ALICE)
    assert late.status_code == 404 and late.json()["message"] == "Package version not found."


def test_restore_gives_back_tags_not_taken_since(api: Api, store: Any, clock: Clock) -> None:
    world(store, clock)
    before = ids(api)
    assert api.delete(f"{PATH}/versions/{before[A]}", ALICE).status_code == 204
    deleted = api.get(f"{PATH}/versions?state=deleted", ALICE).json()
    assert deleted[0]["metadata"]["container"]["tags"] == ["latest", "v1"]
    # Meanwhile `latest` moves to B (as a push would do).
    seed(
        store,
        {
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "app",
                    "visibility": "private",
                    "versions": [{"name": B, "tags": ["v2", "latest"]}],
                }
            ]
        },
        clock.now,
    )
    assert api.post(f"{PATH}/versions/{before[A]}/restore", ALICE).status_code == 204
    assert tags(api) == {A: ["v1"], B: ["latest", "v2"], C: []}


def test_restore_refuses_a_taken_name(api: Api, store: Any, clock: Clock) -> None:
    world(store, clock)
    old = ids(api)[C]
    assert api.delete(f"{PATH}/versions/{old}", ALICE).status_code == 204
    # The same digest pushed again is a new live version of that name.
    publish_again(store, clock, C)
    assert ids(api)[C] != old
    response = api.post(f"{PATH}/versions/{old}/restore", ALICE)
    assert response.status_code == 400
    assert response.json()["message"] == "A version with this name already exists in the package."


def test_restore_of_a_live_version_is_404(api: Api, store: Any, clock: Clock) -> None:
    world(store, clock)
    assert api.post(f"{PATH}/versions/{ids(api)[C]}/restore", ALICE).status_code == 404


def test_package_restore_conflicts(api: Api, store: Any, clock: Clock) -> None:
    world(store, clock)
    assert api.delete(PATH, ALICE).status_code == 204
    clock.advance(timedelta(minutes=1))
    # A new package of the same name is created, then deleted too.
    publish_again(store, clock)
    conflict = api.post(f"{PATH}/restore", ALICE)
    assert conflict.status_code == 409
    assert api.delete(PATH, ALICE).status_code == 204
    several = api.post(f"{PATH}/restore", ALICE)
    assert several.status_code == 409 and "token" in several.json()["message"]
    from sqlalchemy import select

    from packyard.storage.db.tables import packages

    with store.engine.connect() as conn:
        first_id = conn.execute(select(packages.c.id).order_by(packages.c.id)).scalars().first()
    assert api.post(f"{PATH}/restore?token={first_id}", ALICE).status_code == 204
    assert len(ids(api)) == 3
    assert api.get(PATH, ALICE).json()["id"] == first_id


def test_gc_purges_past_the_window_only(api: Api, store: Any, clock: Clock) -> None:
    world(store, clock)
    vid = ids(api)[C]
    assert api.delete(f"{PATH}/versions/{vid}", ALICE).status_code == 204
    window = timedelta(days=30)
    assert collect_garbage(store, clock.now + window, window, FORMATS).versions == 0
    counts = collect_garbage(store, clock.now + window + timedelta(seconds=1), window, FORMATS)
    assert counts.versions == 1
    assert ids(api, "deleted") == {}
