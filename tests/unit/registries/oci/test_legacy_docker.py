"""The legacy Docker registry (`docker.pkg.github.com`'s names OWNER/REPOSITORY/IMAGE) on
the OCI code, through the whole ASGI app: a request to a `docker.` host is the legacy
endpoint, as a request to `--docker-port` is (tests/protocols drives that with skopeo).
Then its move to the container registry and GitHub's `docker/conflicts`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packyard.config import Settings
from packyard.core.context import Context
from packyard.domain.types import ANONYMOUS
from packyard.registries.oci.migrate import migrate_docker
from packyard.server import registered_formats
from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE, Api, Clock, seed

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = b'{"architecture":"amd64","os":"linux"}'
LAYER = b"a layer of the legacy registry"
BOB = "ghp_bob_read_repo_000000000000000000000000"  # read on alice/secret, and `repo`
CAROL = "ghp_carol_full_0000000000000000000000000"  # every scope; admin of acme only
LAST_VERSION = (
    "You cannot delete the last version of a package. You must delete the package instead."
)

PEOPLE = {
    "repositories": [
        {
            "owner": "alice",
            "name": "secret",
            "visibility": "private",
            "collaborators": [{"user": "bob", "permission": "read"}],
        }
    ],
    "tokens": [
        {"user": "bob", "token": BOB, "kind": "classic", "scopes": ["read:packages", "repo"]},
        {
            "user": "carol",
            "token": CAROL,
            "kind": "classic",
            "scopes": ["read:packages", "write:packages", "delete:packages", "repo"],
        },
    ],
}


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest(tag_note: str = "") -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(CONFIG),
                "size": len(CONFIG),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": sha(LAYER),
                    "size": len(LAYER),
                }
            ],
            "annotations": {"note": tag_note},
        }
    ).encode()


@pytest.fixture
def people(world: Any, store: SqlStore, clock: Clock) -> None:
    seed(store, PEOPLE, clock.now)


@pytest.fixture
def legacy(app: Any, people: None) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://docker.testserver") as c:
        yield c


@pytest.fixture
def ghcr(app: Any, people: None) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def push(
    client: TestClient, name: str, tag: str, token: str = ALICE, note: str = ""
) -> httpx.Response:
    for blob in (CONFIG, LAYER):
        answer = client.post(
            f"/v2/{name}/blobs/uploads/?digest={sha(blob)}", content=blob, headers=auth(token)
        )
        if answer.status_code != 201:
            return answer
    return client.put(
        f"/v2/{name}/manifests/{tag}",
        content=manifest(note),
        headers={**auth(token), "Content-Type": OCI_MANIFEST},
    )


def pull(
    client: TestClient, name: str, reference: str, token: str | None = ALICE
) -> httpx.Response:
    return client.get(
        f"/v2/{name}/manifests/{reference}", headers={**auth(token), "Accept": OCI_MANIFEST}
    )


def versions(api: Api, name: str, owner: str = "user") -> list[dict[str, Any]]:
    listed = api.get(f"/{owner}/packages/docker/{name}/versions", ALICE)
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def test_a_push_is_a_docker_package_of_the_repository_with_its_tags(
    legacy: TestClient, api: Api
) -> None:
    assert push(legacy, "alice/tools/hello", "v1").status_code == 201
    pulled = pull(legacy, "alice/tools/hello", "v1")
    assert pulled.status_code == 200 and pulled.content == manifest()
    package = api.get("/user/packages/docker/hello", ALICE).json()
    assert package["repository"]["full_name"] == "alice/tools"
    assert package["visibility"] == "public"  # the repository's
    [version] = versions(api, "hello")
    assert version["name"] == sha(manifest())
    assert version["metadata"]["docker"]["tag"] == ["v1"]


def test_the_two_endpoints_name_different_packages(legacy: TestClient, ghcr: TestClient) -> None:
    assert push(legacy, "alice/tools/hello", "v1").status_code == 201
    assert pull(ghcr, "alice/hello", "v1").status_code == 404
    assert pull(ghcr, "alice/tools/hello", "v1").status_code == 404  # a container name
    assert push(ghcr, "alice/hello", "v1", note="container").status_code == 201
    assert pull(legacy, "alice/tools/hello", "v1").content == manifest()


def test_names_are_owner_repository_image_of_a_repository_that_exists(legacy: TestClient) -> None:
    two = push(legacy, "alice/hello", "v1")
    assert two.status_code == 400 and two.json()["errors"][0]["code"] == "NAME_INVALID"
    missing = push(legacy, "alice/nosuch/hello", "v1")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NAME_UNKNOWN"


def test_access_is_the_repositorys(legacy: TestClient) -> None:
    assert push(legacy, "alice/secret/img", "v1").status_code == 201
    assert pull(legacy, "alice/secret/img", "v1", BOB).status_code == 200  # read collaborator
    refused = push(legacy, "alice/secret/img", "v2", BOB)
    assert refused.status_code == 403
    # A stranger learns nothing: the image, an image of the repository that does not exist,
    # and a repository that does not exist answer alike.
    answers = [
        pull(legacy, name, "v1", CAROL)
        for name in ("alice/secret/img", "alice/secret/nosuch", "alice/nosuch/img")
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.json()["errors"][0]["code"] for a in answers}) == 1
    assert pull(legacy, "alice/secret/img", "v1", None).status_code == 401


def test_the_rest_api_refuses_the_last_version_and_v2_deletes_it(
    legacy: TestClient, api: Api
) -> None:
    assert push(legacy, "alice/tools/hello", "v1").status_code == 201
    [version] = versions(api, "hello")
    last = api.delete(f"/user/packages/docker/hello/versions/{version['id']}", ALICE)
    assert last.status_code == 400 and last.json()["message"] == LAST_VERSION
    deleted = legacy.delete(
        f"/v2/alice/tools/hello/manifests/{version['name']}", headers=auth(ALICE)
    )
    assert deleted.status_code == 202
    assert pull(legacy, "alice/tools/hello", version["name"]).status_code == 404


def test_migration_moves_images_and_reports_conflicts_in_every_scope(
    legacy: TestClient,
    ghcr: TestClient,
    api: Api,
    store: SqlStore,
    clock: Clock,
    settings: Settings,
) -> None:
    assert push(legacy, "alice/tools/hello", "v1").status_code == 201
    assert push(legacy, "alice/tools/taken", "v1").status_code == 201
    assert push(ghcr, "alice/taken", "v1", note="already here").status_code == 201
    assert push(legacy, "acme/web/app", "v1", CAROL).status_code == 201
    assert push(ghcr, "acme/app", "v1", CAROL, note="already here").status_code == 201
    hello_id = api.get("/user/packages/docker/hello", ALICE).json()["id"]

    def run() -> tuple[list[str], list[str]]:
        ctx = Context(
            store, ANONYMOUS, clock.now, settings.restore_window, registered_formats(settings)
        )
        report = migrate_docker(ctx)
        return report.moved, report.conflicts

    moved, conflicts = run()
    assert moved == ["alice/tools/hello → alice/hello"]
    assert sorted(conflicts) == ["acme/web/app", "alice/tools/taken"]
    moved_package = api.get("/user/packages/container/hello", ALICE).json()
    assert (
        moved_package["id"] == hello_id
        and moved_package["repository"]["full_name"] == "alice/tools"
    )
    assert pull(ghcr, "alice/hello", "v1").content == manifest()
    assert pull(legacy, "alice/tools/hello", "v1").content == manifest()  # the old name pulls
    assert ghcr.head(f"/v2/alice/hello/blobs/{sha(LAYER)}", headers=auth(ALICE)).status_code == 200
    for path, token in (
        ("/user/docker/conflicts", ALICE),
        ("/users/alice/docker/conflicts", ALICE),
        ("/orgs/acme/docker/conflicts", CAROL),
    ):
        listed = api.get(path, token)
        assert listed.status_code == 200, (path, listed.text)
        assert [p["name"] for p in listed.json()] == ["app" if "acme" in path else "taken"]
        assert {p["package_type"] for p in listed.json()} == {"docker"}
    # Only what the caller may read: acme/web is private, and bob no member of acme.
    assert api.get("/orgs/acme/docker/conflicts", BOB).json() == []

    assert api.delete("/user/packages/container/taken", ALICE).status_code == 204
    moved, conflicts = run()
    assert moved == ["alice/tools/taken → alice/taken"] and conflicts == ["acme/web/app"]
    assert api.get("/user/docker/conflicts", ALICE).json() == []
    assert pull(legacy, "alice/tools/taken", "v1").content == manifest()
    assert run() == ([], ["acme/web/app"])  # run again: nothing more to move


def test_the_legacy_endpoint_sends_clients_to_its_own_host_for_tokens(
    legacy: TestClient, ghcr: TestClient
) -> None:
    challenge = legacy.get("/v2/").headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="http://docker.testserver/v2/token"')
    assert (
        ghcr.get("/v2/")
        .headers["www-authenticate"]
        .startswith('Bearer realm="http://testserver/v2/token"')
    )
    token = legacy.get("/v2/token", auth=("alice", ALICE)).json()["token"]
    assert legacy.get("/v2/", headers=auth(token)).status_code == 200


def test_a_host_header_unfit_for_a_challenge_is_not_echoed(legacy: TestClient) -> None:
    answer = legacy.get("/v2/", headers={"Host": 'docker.evil", realm="x'})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith('Bearer realm="http://testserver/v2/')
