"""The seed operation: DELETE /users/{username}/packages/{type}/{name}/versions/{id}."""

from __future__ import annotations

import json
from typing import Any

import pytest

from packyard.domain.rules import (
    LAST_TAGGED_VERSION_MESSAGE,
    LAST_VERSION_MESSAGE,
    PACKAGE_DOWNLOAD_LIMIT_MESSAGE,
    VERSION_DOWNLOAD_LIMIT_MESSAGE,
)
from tests.conftest import ALICE, Api, Clock, alice_with, seed


def make(
    store: Any,
    clock: Clock,
    ptype: str,
    versions: list[dict[str, Any]],
    visibility: str = "public",
    name: str = "pkg",
) -> str:
    seed(
        store,
        {
            **alice_with([]),
            "packages": [
                {
                    "owner": "alice",
                    "package_type": ptype,
                    "name": name,
                    "visibility": visibility,
                    "versions": versions,
                }
            ],
        },
        clock.now,
    )
    return f"/users/alice/packages/{ptype}/{name}"


def ids_by_name(api: Api, path: str) -> dict[str, int]:
    return {v["name"]: v["id"] for v in api.get(f"{path}/versions", ALICE).json()}


@pytest.mark.parametrize(
    ("downloads", "visibility", "status"),
    [
        (4_999, "public", 204),
        (5_000, "public", 204),
        (5_001, "public", 400),
        (4_999, "private", 204),
        (5_000, "private", 204),
        (5_001, "private", 204),
    ],
)
def test_download_rule(
    api: Api, store: Any, clock: Clock, downloads: int, visibility: str, status: int
) -> None:
    path = make(
        store,
        clock,
        "npm",
        [
            {"name": "1.0.0", "download_count": downloads},
            {"name": "1.0.1"},
        ],
        visibility,
    )
    response = api.delete(f"{path}/versions/{ids_by_name(api, path)['1.0.0']}", ALICE)
    assert response.status_code == status
    if status == 400:
        assert response.json()["message"] == VERSION_DOWNLOAD_LIMIT_MESSAGE
        assert response.json()["documentation_url"].endswith("#delete-package-version-for-a-user")


@pytest.mark.parametrize(("downloads", "status"), [(5_000, 204), (5_001, 400)])
def test_package_download_rule(
    api: Api, store: Any, clock: Clock, downloads: int, status: int
) -> None:
    path = make(store, clock, "npm", [{"name": "1.0.0", "download_count": downloads}])
    response = api.delete(path, ALICE)
    assert response.status_code == status
    if status == 400:
        assert response.json()["message"] == PACKAGE_DOWNLOAD_LIMIT_MESSAGE


@pytest.mark.parametrize("ptype", ["maven", "docker"])
def test_last_version_of_repository_scoped_types(
    api: Api, store: Any, clock: Clock, ptype: str
) -> None:
    path = make(store, clock, ptype, [{"name": "1.0"}, {"name": "2.0"}])
    ids = ids_by_name(api, path)
    assert api.delete(f"{path}/versions/{ids['1.0']}", ALICE).status_code == 204
    last = api.delete(f"{path}/versions/{ids['2.0']}", ALICE)
    assert last.status_code == 400 and last.json()["message"] == LAST_VERSION_MESSAGE


@pytest.mark.parametrize("ptype", ["npm", "nuget", "rubygems"])
def test_last_version_deletes_the_package(api: Api, store: Any, clock: Clock, ptype: str) -> None:
    path = make(store, clock, ptype, [{"name": "1.0.0"}])
    (only,) = ids_by_name(api, path).values()
    assert api.delete(f"{path}/versions/{only}", ALICE).status_code == 204
    assert api.get(path, ALICE).status_code == 404
    # Restoring the package brings its version back with it.
    assert api.post(f"{path}/restore", ALICE).status_code == 204
    assert list(ids_by_name(api, path).values()) == [only]


def test_last_tagged_container_version(api: Api, store: Any, clock: Clock) -> None:
    path = make(
        store,
        clock,
        "container",
        [
            {"name": "sha256:" + "a" * 64, "tags": ["latest"]},
            {"name": "sha256:" + "b" * 64},
            {"name": "sha256:" + "c" * 64, "tags": ["v1"]},
        ],
    )
    ids = ids_by_name(api, path)
    assert api.delete(f"{path}/versions/{ids['sha256:' + 'b' * 64]}", ALICE).status_code == 204
    assert api.delete(f"{path}/versions/{ids['sha256:' + 'c' * 64]}", ALICE).status_code == 204
    refused = api.delete(f"{path}/versions/{ids['sha256:' + 'a' * 64]}", ALICE)
    assert refused.status_code == 400
    assert refused.json()["message"] == LAST_TAGGED_VERSION_MESSAGE


def test_untagged_container_versions_can_all_go(api: Api, store: Any, clock: Clock) -> None:
    path = make(store, clock, "container", [{"name": "sha256:" + "a" * 64}])
    (only,) = ids_by_name(api, path).values()
    assert api.delete(f"{path}/versions/{only}", ALICE).status_code == 204
    assert api.get(path, ALICE).json()["version_count"] == 0


def test_checks_in_githubs_order(api: Api, store: Any, clock: Clock) -> None:
    path = make(store, clock, "npm", [{"name": "1.0.0"}, {"name": "1.0.1"}])
    (vid, *_) = ids_by_name(api, path).values()
    cases = [
        ("/users/nobody/packages/npm/pkg/versions/1", 404, "Not Found"),
        ("/users/alice/packages/pip/pkg/versions/1", 422, None),
        ("/users/alice/packages/npm/pkg/versions/abc", 404, "Not Found"),
        ("/users/alice/packages/npm/pkg/versions/0", 404, "Not Found"),
        ("/users/alice/packages/npm/nope/versions/1", 404, "Package not found."),
        (f"{path}/versions/999999", 404, "Package version not found."),
    ]
    for url, status, message in cases:
        response = api.delete(url, ALICE)
        assert response.status_code == status, url
        if message:
            assert response.json()["message"] == message
    assert (
        "package_type"
        in api.delete("/users/alice/packages/pip/pkg/versions/1", ALICE).json()["message"]
    )
    assert api.delete(f"{path}/versions/{vid}", ALICE).status_code == 204
    again = api.delete(f"{path}/versions/{vid}", ALICE)
    assert again.status_code == 404 and again.json()["message"] == "Package version not found."


def test_version_of_another_package_is_not_found(api: Api, store: Any, clock: Clock) -> None:
    a = make(store, clock, "npm", [{"name": "1.0.0"}, {"name": "2.0.0"}], name="a")
    b = make(store, clock, "npm", [{"name": "1.0.0"}, {"name": "2.0.0"}], name="b")
    foreign = ids_by_name(api, b)["1.0.0"]
    assert api.delete(f"{a}/versions/{foreign}", ALICE).status_code == 404
    assert api.get(f"{a}/versions/{foreign}", ALICE).status_code == 404


def test_case_insensitive_owner_and_name(api: Api, store: Any, clock: Clock) -> None:
    make(store, clock, "npm", [{"name": "1.0.0"}, {"name": "2.0.0"}], name="MyPkg")
    response = api.get("/users/ALICE/packages/npm/mypkg", ALICE)
    assert response.status_code == 200 and response.json()["name"] == "MyPkg"
    assert response.json()["owner"]["login"] == "alice"
    vid = ids_by_name(api, "/users/Alice/packages/npm/MYPKG")["1.0.0"]
    assert api.delete(f"/users/aLiCe/packages/npm/mYpKg/versions/{vid}", ALICE).status_code == 204


def test_delete_writes_an_audit_row(api: Api, store: Any, clock: Clock) -> None:
    from sqlalchemy import select

    from packyard.storage.db.tables import audit_log

    path = make(store, clock, "npm", [{"name": "1.0.0"}, {"name": "2.0.0"}])
    vid = ids_by_name(api, path)["1.0.0"]
    response = api.delete(f"{path}/versions/{vid}", ALICE)
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit_log)).all()
    assert [(r.action, r.version_id) for r in rows] == [("version.delete", vid)]
    assert rows[0].request_id == response.headers["x-github-request-id"]
    assert rows[0].actor_id is not None and rows[0].token_id is not None
    # The states before and after, timestamps written as `str()` writes them.
    assert json.loads(rows[0].before) == {"deleted_at": None, "tags": []}
    assert json.loads(rows[0].after) == {"deleted_at": str(clock.now), "children_deleted": []}
