"""Packyard's /v2/ over real HTTP: the SDK's registry client, REST-visible deletes, referrers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from packyard.client import Client, RegistryClient
from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SBOM = "application/spdx+json"


class Pusher:
    def __init__(self, server: LiveServer, repository: str) -> None:
        self.server = server
        self.repository = repository
        self.http = httpx.Client(base_url=server.url, auth=("alice", ALICE))

    def close(self) -> None:
        self.http.close()

    def blob(self, data: bytes) -> dict[str, Any]:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        done = self.http.post(
            f"/v2/{self.repository}/blobs/uploads/", params={"digest": digest}, content=data
        )
        assert done.status_code == 201, done.text
        return {"digest": digest, "size": len(data)}

    def manifest(self, reference: str, document: dict[str, Any]) -> dict[str, Any]:
        content = json.dumps(document).encode()
        media_type = document["mediaType"]
        put = self.http.put(
            f"/v2/{self.repository}/manifests/{reference}",
            content=content,
            headers={"Content-Type": media_type},
        )
        assert put.status_code == 201, put.text
        return {
            "mediaType": media_type,
            "digest": put.headers["docker-content-digest"],
            "size": len(content),
            "subject": put.headers.get("oci-subject"),
        }

    def image_document(self, payload: bytes, **extra: Any) -> dict[str, Any]:
        """An image manifest whose config and layer are pushed; the manifest is not."""
        config = {"mediaType": "application/vnd.oci.image.config.v1+json", **self.blob(b"{}")}
        layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar", **self.blob(payload)}
        return {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config,
            "layers": [layer],
            **extra,
        }

    def image(self, reference: str, payload: bytes, **extra: Any) -> dict[str, Any]:
        return self.manifest(reference, self.image_document(payload, **extra))

    def untagged(self, document: dict[str, Any]) -> dict[str, Any]:
        """Push a manifest by its digest alone, as a push by digest or an attestation does."""
        digest = "sha256:" + hashlib.sha256(json.dumps(document).encode()).hexdigest()
        return self.manifest(digest, document)

    def index(self, reference: str, children: list[dict[str, Any]]) -> dict[str, Any]:
        return self.manifest(
            reference,
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [{k: c[k] for k in ("mediaType", "digest", "size")} for c in children],
            },
        )


@pytest.fixture
def pusher(live_server: LiveServer) -> Iterator[Callable[[str], Pusher]]:
    made: list[Pusher] = []

    def make(repository: str) -> Pusher:
        made.append(Pusher(live_server, repository))
        return made[-1]

    yield make
    for each in made:
        each.close()


def rest(server: LiveServer) -> Client:
    return Client(token=ALICE, base_url=server.api)


def test_sdk_registry_client_tags_and_referrers(
    live_server: LiveServer, pusher: Callable[[str], Pusher]
) -> None:
    push = pusher("alice/sdk-check")
    subject = push.image("latest", b"app")
    for tag in ("v1", "v2", "v3", "v4"):
        push.manifest(
            tag,
            json.loads(
                push.http.get(
                    f"/v2/alice/sdk-check/manifests/{subject['digest']}",
                    headers={"Accept": OCI_MANIFEST},
                ).content
            ),
        )
    sbom = push.image(
        "sbom",
        b"sbom",
        artifactType=SBOM,
        subject={"mediaType": OCI_MANIFEST, "digest": subject["digest"], "size": subject["size"]},
    )
    assert sbom["subject"] == subject["digest"]  # OCI-Subject on the PUT
    with rest(live_server) as client:
        registry = client.registry
        assert isinstance(registry, RegistryClient)
        # Tags page by `n`, following Link.
        assert registry.tags("alice/sdk-check", page_size=2) == [
            "latest",
            "sbom",
            "v1",
            "v2",
            "v3",
            "v4",
        ]
        found = registry.referrers("alice/sdk-check", subject["digest"])
        assert [(d.digest, d.artifact_type) for d in found] == [(sbom["digest"], SBOM)]
        assert (
            registry.referrers(
                "alice/sdk-check", subject["digest"], artifact_type="application/other"
            )
            == []
        )
        manifest = registry.manifest("alice/sdk-check", "latest")
        assert manifest.digest == subject["digest"] and manifest.media_type == OCI_MANIFEST


def test_rest_delete_hides_restore_brings_back(
    live_server: LiveServer, pusher: Callable[[str], Pusher]
) -> None:
    push = pusher("alice/restore-me")
    one = push.image("v1", b"one")
    two = push.image("v2", b"two")
    url = f"/v2/alice/restore-me/manifests/{one['digest']}"
    original = push.http.get(url).content
    with rest(live_server) as client:
        versions = {v.name: v.id for v in client.iter_versions("alice", "container", "restore-me")}
        packages = client.rest.packages
        where = {"package_type": "container", "package_name": "restore-me", "username": "alice"}
        packages.delete_package_version_for_user(
            package_version_id=versions[one["digest"]], **where
        )
        gone = push.http.get(url)
        assert gone.status_code == 404 and gone.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
        assert push.http.get("/v2/alice/restore-me/manifests/v1").status_code == 404
        packages.restore_package_version_for_user(
            package_version_id=versions[one["digest"]], **where
        )
        assert push.http.get(url).content == original
        assert push.http.get("/v2/alice/restore-me/manifests/v1").status_code == 200
        # Deleting through /v2/ is a REST-visible delete, and restorable the same way.
        assert push.http.delete(f"/v2/alice/restore-me/manifests/{two['digest']}").status_code == (
            202
        )
        deleted = client.rest.packages.get_all_package_versions_for_package_owned_by_user(
            state="deleted", **where
        )
        assert [v.name for v in deleted] == [two["digest"]]
        # A tag delete takes the tag only.
        assert push.http.delete("/v2/alice/restore-me/manifests/v1").status_code == 202
        assert push.http.get(url).status_code == 200
        assert push.http.get("/v2/alice/restore-me/manifests/v1").status_code == 404


def test_an_index_protects_its_platforms(
    live_server: LiveServer, pusher: Callable[[str], Pusher]
) -> None:
    push = pusher("alice/multi-arch")
    amd64 = push.manifest(
        push.image("amd64-tmp", b"amd64")["digest"],
        json.loads(push.http.get("/v2/alice/multi-arch/manifests/amd64-tmp").content),
    )
    arm64 = push.image("arm64-tmp", b"arm64")
    for tag in ("amd64-tmp", "arm64-tmp"):
        push.http.delete(f"/v2/alice/multi-arch/manifests/{tag}")
    index = push.index("latest", [amd64, arm64])
    refused = push.http.delete(f"/v2/alice/multi-arch/manifests/{amd64['digest']}")
    # Packyard's protection, not GitHub's: a 409 with OCI's DENIED code, naming the index.
    assert refused.status_code == 409, refused.text
    [error] = refused.json()["errors"]
    assert error["code"] == "DENIED"
    assert f"belongs to the image index {index['digest']} (tagged latest)" in error["message"]
    with rest(live_server) as client:
        where = {"package_type": "container", "package_name": "multi-arch", "username": "alice"}
        ids = {v.name: v.id for v in client.iter_versions("alice", "container", "multi-arch")}
        from packyard.client import Conflict

        with pytest.raises(Conflict) as conflict:  # through the REST API too
            client.rest.packages.delete_package_version_for_user(
                package_version_id=ids[amd64["digest"]], **where
            )
        assert index["digest"] in conflict.value.message
        # Untagged, the index no longer protects; deleting it takes its orphaned platforms.
        push.http.delete("/v2/alice/multi-arch/manifests/latest")
        push.index("keep", [push.image("other", b"other")])
        assert (
            push.http.delete(f"/v2/alice/multi-arch/manifests/{index['digest']}").status_code == 202
        )
        left = {v.name for v in client.iter_versions("alice", "container", "multi-arch")}
        assert amd64["digest"] not in left and arm64["digest"] not in left


def test_details_the_conformance_suite_checks(
    live_server: LiveServer, pusher: Callable[[str], Pusher]
) -> None:
    push = pusher("alice/details")
    data = bytes(range(256)) * 4
    blob = push.blob(data)
    url = f"/v2/alice/details/blobs/{blob['digest']}"
    assert push.http.get(url, headers={"Range": "bytes=-10"}).content == data[-10:]
    partial = push.http.get(url, headers={"Range": "bytes=5-9"})
    assert partial.status_code == 206 and partial.content == data[5:10]
    # Blobs pushed before any manifest can be mounted elsewhere by their pusher.
    mounted = push.http.post(
        "/v2/alice/details-copy/blobs/uploads/",
        params={"mount": blob["digest"], "from": "alice/details"},
    )
    assert mounted.status_code == 201
    image = push.image("v1", b"layer")
    head = push.http.head("/v2/alice/details/manifests/v1")
    assert head.status_code == 200 and int(head.headers["content-length"]) == image["size"]
    assert head.content == b""
    # Deleting a blob unlinks it from the repository.
    assert push.http.delete(url).status_code == 202
    assert push.http.head(url).status_code == 404
    # Nothing refers to anything in a repository with no manifests.
    empty = push.http.get(f"/v2/alice/nothing-here/referrers/{blob['digest']}")
    assert empty.status_code == 200 and empty.json()["manifests"] == []
    assert empty.headers["content-type"] == OCI_INDEX


def test_accept_headers_are_honoured(
    live_server: LiveServer, pusher: Callable[[str], Pusher]
) -> None:
    push = pusher("alice/negotiated")
    image = push.image("v1", b"negotiated")
    url = "/v2/alice/negotiated/manifests/v1"
    docker_types = [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
    # Accept sent as separate headers, as skopeo does: any one naming the type will do.
    several = [("Accept", t) for t in [*docker_types, OCI_INDEX, OCI_MANIFEST]]
    got = push.http.get(url, headers=httpx.Headers(several))
    assert got.status_code == 200 and got.headers["content-type"] == OCI_MANIFEST
    assert got.headers["docker-content-digest"] == image["digest"]
    refused = push.http.get(url, headers=httpx.Headers([("Accept", t) for t in docker_types]))
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert push.http.get(url, headers={"Accept": "*/*"}).status_code == 200


def test_inspections_are_not_pulls(
    live_server: LiveServer, pusher: Callable[[str], Pusher]
) -> None:
    """Retention tools read every manifest; Packyard counts only the reads that are pulls."""
    from datetime import UTC, datetime

    push = pusher("alice/inspected")
    image = push.image("latest", b"inspected")
    today = datetime.now(UTC).date()
    with rest(live_server) as client:
        ids = {v.name: v.id for v in client.iter_versions("alice", "container", "inspected")}
        with RegistryClient(live_server.url, "alice", ALICE, inspect=True) as inspector:
            for _ in range(3):
                assert inspector.manifest("alice/inspected", "latest").digest == image["digest"]
        assert client.downloads_since("alice", "container", "inspected", today) == {}
        client.registry.manifest("alice/inspected", "latest")  # a pull
        assert client.downloads_since("alice", "container", "inspected", today) == {
            ids[image["digest"]]: 1
        }
