"""Every one of the 27 packages operations, in each scope, against GitHub's description."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ALICE, Api, Clock, seed
from tests.openapi import operation_paths

CLI = "tools%2Fcli"
WEB_UI = "web-ui"  # GitHub names npm packages without their scope (the owner)


def version_ids(api: Api, path: str, token: str | None = ALICE, **params: Any) -> list[int]:
    response = api.get(f"{path}/versions", token, params=params)
    assert response.status_code == 200, response.text
    return [v["id"] for v in response.json()]


@pytest.fixture
def dave(store: Any, clock: Clock, world: Any) -> str:
    seed(
        store,
        {
            "users": [{"login": "dave"}],
            "tokens": [
                {
                    "user": "dave",
                    "token": "ghp_dave_full",
                    "kind": "classic",
                    "scopes": ["read:packages", "write:packages", "delete:packages"],
                }
            ],
        },
        clock.now,
    )
    return "ghp_dave_full"


def test_the_route_table_serves_every_documented_operation(api: Api) -> None:
    from packyard.api.routes import ROUTES

    ours = {(r.method, "/" + "/".join(r.pattern)): r.operation_id.split("/")[-1] for r in ROUTES}
    for (method, path), operation_id in operation_paths().items():
        if (method, path) == ("PATCH", "/user"):
            continue  # updating a profile is not a packages concern
        assert ours.get((method, path)) == operation_id.split("/", 1)[1], (method, path)


@pytest.mark.parametrize(
    ("prefix", "owner_path"),
    [("/users/alice", "users/alice"), ("/user", "users/alice")],
)
def test_user_scope_walk(api: Api, world: Any, prefix: str, owner_path: str) -> None:
    listing = api.get(f"{prefix}/packages", ALICE, params={"package_type": "container"})
    assert listing.status_code == 200
    assert [p["name"] for p in listing.json()] == ["tools/cli"]
    package = listing.json()[0]
    assert package["url"] == f"http://testserver/api/v3/{owner_path}/packages/container/{CLI}"
    assert package["html_url"] == (
        f"http://testserver/{owner_path}/packages/container/package/{CLI}"
    )
    # Three images; the multi-platform one brings two platforms and an attestation.
    assert package["version_count"] == 6
    assert package["repository"]["full_name"] == "alice/tools"

    path = f"{prefix}/packages/container/{CLI}"
    got = api.get(path, ALICE)
    assert got.status_code == 200 and got.json()["id"] == package["id"]

    listed = api.get(f"{path}/versions", ALICE).json()
    ids = [v["id"] for v in listed]
    assert len(ids) == 6
    # The newest image is the multi-platform one: its index carries the tags.
    index = next(v["id"] for v in listed if v["metadata"]["container"]["tags"])
    newest = api.get(f"{path}/versions/{index}", ALICE).json()
    assert newest["metadata"] == {
        "package_type": "container",
        "container": {"tags": ["1.0.0", "latest"]},
    }
    assert newest["html_url"] == f"http://testserver/{owner_path}/packages/container/{CLI}/{index}"

    untagged = ids[-1]  # the oldest: the build nobody tagged, which nothing lists
    assert api.delete(f"{path}/versions/{untagged}", ALICE).status_code == 204
    assert untagged not in version_ids(api, path)
    deleted = api.get(f"{path}/versions", ALICE, params={"state": "deleted"}).json()
    assert [v["id"] for v in deleted] == [untagged] and "deleted_at" in deleted[0]
    assert api.post(f"{path}/versions/{untagged}/restore", ALICE).status_code == 204
    assert untagged in version_ids(api, path)

    conflicts = api.get(f"{prefix}/docker/conflicts", ALICE)
    assert conflicts.status_code == 200 and conflicts.json() == []


def test_org_scope_walk(api: Api, world: Any, dave: str) -> None:
    # carol owns acme: she has no token in the world, so use alice's org? alice is not a
    # member; dave (repository admin of acme/web) administers @acme/web-ui through it.
    path = f"/orgs/acme/packages/npm/{WEB_UI}"
    listing = api.get("/orgs/acme/packages", dave, params={"package_type": "npm"})
    assert listing.status_code == 200
    assert [p["name"] for p in listing.json()] == ["web-ui"]
    assert listing.json()[0]["url"] == "http://testserver/api/v3/orgs/acme/packages/npm/web-ui"
    assert api.get(path, dave).status_code == 200
    # Packyard once named it `@acme/web-ui`: the owner's scope still finds it, another does not.
    assert api.get("/orgs/acme/packages/npm/%40acme%2Fweb-ui", dave).json()["name"] == "web-ui"
    assert api.get("/orgs/acme/packages/npm/%40alice%2Fweb-ui", dave).status_code == 404
    ids = version_ids(api, path, dave)
    assert len(ids) == 2
    assert api.get(f"{path}/versions/{ids[0]}", dave).json()["metadata"] == {"package_type": "npm"}
    assert api.delete(f"{path}/versions/{ids[0]}", dave).status_code == 204
    assert api.post(f"{path}/versions/{ids[0]}/restore", dave).status_code == 204
    assert api.delete(path, dave).status_code == 204
    assert api.get(path, dave).status_code == 404
    assert api.post(f"{path}/restore", dave).status_code == 204
    assert api.get(path, dave).json()["version_count"] == 2
    assert api.get("/orgs/acme/docker/conflicts", dave).json() == []
    # GitHub's cleanup action sends org packages through the /users/ routes.
    assert api.get(f"/users/acme/packages/npm/{WEB_UI}", dave).status_code == 200


def test_user_package_delete_and_restore(api: Api, store: Any, clock: Clock, world: Any) -> None:
    seed_private = {
        "packages": [
            {
                "owner": "alice",
                "package_type": "maven",
                "name": "com.example.lib",
                "visibility": "private",
                "versions": [{"name": "1.0"}, {"name": "1.1"}],
            }
        ]
    }
    seed(store, seed_private, clock.now)
    for prefix in ("/users/alice", "/user"):
        path = f"{prefix}/packages/maven/com.example.lib"
        assert api.delete(path, ALICE).status_code == 204
        assert api.get(path, ALICE).status_code == 404
        assert api.post(f"{path}/restore", ALICE).status_code == 204
        assert api.get(path, ALICE).status_code == 200
