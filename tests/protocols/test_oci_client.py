"""packyard.client.oci against a real distribution registry with token authentication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from packyard.client import NotFound, RegistryClient, Unauthorized
from packyard.client.oci import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST
from tests.protocols.registry_support import PASSWORD, USER, Registry, running_registry

EMPTY_CONFIG = b"{}"
EMPTY_CONFIG_TYPE = "application/vnd.oci.empty.v1+json"
SBOM = "application/spdx+json"
SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with running_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running


def image(registry: Registry, repository: str, layer: bytes) -> dict[str, object]:
    config = registry.push_blob(repository, EMPTY_CONFIG)
    blob = registry.push_blob(repository, layer)
    return {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": EMPTY_CONFIG_TYPE, "digest": config, "size": 2},
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": blob,
                "size": len(layer),
            }
        ],
    }


def test_manifests_indexes_and_tags(registry: Registry) -> None:
    repo = "alice/app"
    amd64, amd64_bytes = registry.push_manifest(
        repo, "amd64", image(registry, repo, b"a"), OCI_MANIFEST
    )
    arm64, _ = registry.push_manifest(repo, "arm64", image(registry, repo, b"b"), OCI_MANIFEST)
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": amd64,
                "size": len(amd64_bytes),
                "platform": {"architecture": "amd64", "os": "linux"},
            },
            {
                "mediaType": OCI_MANIFEST,
                "digest": arm64,
                "size": 10,
                "platform": {"architecture": "arm64", "os": "linux"},
            },
        ],
    }
    index_digest, _ = registry.push_manifest(repo, "latest", index, OCI_INDEX)
    docker = dict(image(registry, repo, b"c"), mediaType=DOCKER_MANIFEST)
    docker["config"] = dict(
        docker["config"],  # type: ignore[arg-type]
        mediaType="application/vnd.docker.container.image.v1+json",
    )
    docker_digest, _ = registry.push_manifest(repo, "docker", docker, DOCKER_MANIFEST)
    for tag in ("v1", "v2", "v3"):
        registry.push_manifest(repo, tag, index, OCI_INDEX)

    with RegistryClient(registry.url, USER, PASSWORD) as client:
        top = client.manifest(repo, "latest")
        assert top.is_index and top.digest == index_digest
        assert [c.digest for c in top.children] == [amd64, arm64]
        assert top.children[0].platform == {"architecture": "amd64", "os": "linux"}
        child = client.manifest(repo, amd64)
        assert child.media_type == OCI_MANIFEST and child.content == amd64_bytes
        assert client.manifest(repo, "docker").media_type == DOCKER_MANIFEST
        assert client.manifest(repo, "docker").digest == docker_digest
        # distribution 2.8 answers every tag at once, unordered, whatever `n` asks for.
        assert sorted(client.tags(repo, page_size=2)) == sorted(
            ["amd64", "arm64", "docker", "latest", "v1", "v2", "v3"]
        )
        with pytest.raises(NotFound):
            client.manifest(repo, "missing")


def test_referrers_fall_back_to_the_tag_schema(registry: Registry) -> None:
    repo = "alice/signed"
    subject, subject_bytes = registry.push_manifest(
        repo, "latest", image(registry, repo, b"x"), OCI_MANIFEST
    )
    descriptors = []
    for artifact_type, payload in ((SBOM, b"sbom"), (SIGNATURE, b"sig")):
        artifact = dict(
            image(registry, repo, payload),
            artifactType=artifact_type,
            subject={"mediaType": OCI_MANIFEST, "digest": subject, "size": len(subject_bytes)},
        )
        digest, content = registry.push_manifest(
            repo, f"art-{payload.decode()}", artifact, OCI_MANIFEST
        )
        descriptors.append(
            {
                "mediaType": OCI_MANIFEST,
                "digest": digest,
                "size": len(content),
                "artifactType": artifact_type,
            }
        )
    # distribution 2.8 has no referrers API: clients keep the fallback index themselves.
    fallback = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}
    registry.push_manifest(repo, subject.replace(":", "-"), fallback, OCI_INDEX)

    with RegistryClient(registry.url, USER, PASSWORD) as client:
        found = client.referrers(repo, subject)
        assert [d.artifact_type for d in found] == [SBOM, SIGNATURE]
        assert [d.digest for d in client.referrers(repo, subject, artifact_type=SBOM)] == [
            descriptors[0]["digest"]
        ]
        other = client.manifest(repo, "art-sbom").digest
        assert client.referrers(repo, other) == []  # no fallback tag: nothing refers to it


def test_token_handshake_anonymous_and_with_credentials(registry: Registry) -> None:
    registry.push_manifest("public/tool", "1.0", image(registry, "public/tool", b"p"), OCI_MANIFEST)
    registry.push_manifest(
        "alice/private", "1.0", image(registry, "alice/private", b"q"), OCI_MANIFEST
    )
    with RegistryClient(registry.url) as anonymous:
        assert anonymous.manifest("public/tool", "1.0").media_type == OCI_MANIFEST
        with pytest.raises(Unauthorized):
            anonymous.manifest("alice/private", "1.0")
    with RegistryClient(registry.url, USER, PASSWORD) as alice:
        assert alice.tags("alice/private") == ["1.0"]
    with RegistryClient(registry.url, USER, "wrong") as mistaken, pytest.raises(Unauthorized):
        mistaken.tags("alice/private")


def test_the_manifest_bytes_are_the_registrys(registry: Registry, tmp_path: Path) -> None:
    repo = "alice/bytes"
    document = image(registry, repo, b"z")
    digest, content = registry.push_manifest(repo, "t", document, OCI_MANIFEST)
    with RegistryClient(registry.url, USER, PASSWORD) as client:
        manifest = client.manifest(repo, "t")
    assert manifest.content == content and manifest.digest == digest
    assert manifest.document == json.loads(content)
