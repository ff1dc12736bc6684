from __future__ import annotations

import json

import pytest

from packyard.domain.oci import (
    DOCKER_MANIFEST,
    EMPTY_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    ManifestInvalid,
    is_valid_repository_name,
    is_valid_tag,
    parse_manifest,
    source_repository,
    split_repository,
)

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


def image(**extra: object) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": D1,
                "size": 10,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": D2,
                    "size": 20,
                }
            ],
            **extra,
        }
    ).encode()


def test_image_manifest_references() -> None:
    parsed = parse_manifest(image(), OCI_MANIFEST)
    assert parsed.media_type == OCI_MANIFEST and not parsed.is_index
    assert [(r.kind, r.digest) for r in parsed.blobs] == [("config", D1), ("layer", D2)]
    assert parsed.artifact_type == "application/vnd.oci.image.config.v1+json"
    assert parsed.subject is None


def test_index_children_and_platforms() -> None:
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": D1,
                    "size": 5,
                    "platform": {"architecture": "amd64", "os": "linux"},
                },
            ],
        }
    ).encode()
    parsed = parse_manifest(index, None)
    assert parsed.is_index and parsed.children[0].platform == {
        "architecture": "amd64",
        "os": "linux",
    }


def test_artifacts_and_subjects() -> None:
    artifact = image(
        artifactType="application/spdx+json",
        subject={"mediaType": OCI_MANIFEST, "digest": D1, "size": 3},
    )
    parsed = parse_manifest(artifact, OCI_MANIFEST)
    assert parsed.artifact_type == "application/spdx+json"
    assert parsed.subject is not None and parsed.subject.digest == D1
    # Without artifactType, an image's artifact type is its config's media type, the
    # empty descriptor's included (the referrers API reports it so).
    custom = json.loads(image())
    for config_type in ("application/vnd.cncf.helm.config.v1+json", EMPTY_CONFIG):
        custom["config"]["mediaType"] = config_type
        assert parse_manifest(json.dumps(custom).encode(), None).artifact_type == config_type


@pytest.mark.parametrize(
    ("content", "content_type", "problem"),
    [
        (b"not json", OCI_MANIFEST, "not JSON"),
        (b"[]", OCI_MANIFEST, "object"),
        (json.dumps({"schemaVersion": 1}).encode(), OCI_MANIFEST, "schemaVersion"),
        (image(), DOCKER_MANIFEST, "does not match"),
        (json.dumps({"schemaVersion": 2, "mediaType": "text/plain"}).encode(), None, "unsupported"),
        (
            json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": "x", "digest": "sha256:zz", "size": 1},
                    "layers": [],
                }
            ).encode(),
            None,
            "config.digest",
        ),
        (
            json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": "x", "digest": D1, "size": -1},
                    "layers": [],
                }
            ).encode(),
            None,
            "config.size",
        ),
    ],
)
def test_invalid_manifests(content: bytes, content_type: str | None, problem: str) -> None:
    with pytest.raises(ManifestInvalid, match=problem):
        parse_manifest(content, content_type)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("alice/app", True),
        ("alice/tools/cli", True),
        ("a/b.c_d__e-f", True),
        ("Alice/app", False),
        ("alice//app", False),
        ("alice/app/", False),
        ("-a/b", False),
        ("a" * 256, False),
    ],
)
def test_repository_names(name: str, valid: bool) -> None:
    assert is_valid_repository_name(name) is valid


def test_split_and_tags_and_sources() -> None:
    assert split_repository("alice/tools/cli") == ("alice", "tools/cli")
    with pytest.raises(ValueError):
        split_repository("alice")
    assert is_valid_tag("v1.0.0") and not is_valid_tag(".hidden") and not is_valid_tag("a" * 129)
    annotations = {"org.opencontainers.image.source": "https://packyard.local/alice/tools.git"}
    assert source_repository(annotations, "alice") == "alice/tools"
    assert source_repository(annotations, "bob") is None
    assert source_repository({}, "alice") is None
