"""`packyard seed` with `content:`: real images and tarballs, published as their clients
publish them; every problem reported with its path; files without it load as before."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from packyard.config import Settings
from packyard.core.context import Context
from packyard.core.formats import ContentRequest
from packyard.domain.errors import Conflict
from packyard.registries.npm.examples import build_tarball
from packyard.registries.npm.service import put_packument
from packyard.registries.oci import examples as oci_examples
from packyard.registries.oci.examples import build_image
from packyard.services.auth import authenticate
from packyard.services.seed import SeedError, load_seed
from tests.cli.test_seed import snapshot
from tests.conftest import ALICE, Clock, alice_with, content_ports

MULTI = ContentRequest(
    owner="Alice",
    package="app",
    version=None,
    kind="image",
    platforms=("linux/amd64", "linux/arm64"),
    attestation=True,
)


def container(*versions: dict[str, Any]) -> dict[str, Any]:
    return alice_with(
        [{"owner": "alice", "package_type": "container", "name": "app", "versions": list(versions)}]
    )


@pytest.mark.parametrize(
    ("package_type", "version", "message"),
    [
        (
            "container",
            {"content": "tarball"},
            "versions[0].content: container versions take kind 'image', not 'tarball'",
        ),
        ("npm", {"name": "1.0.0", "content": "image"}, "npm versions take kind 'tarball'"),
        ("npm", {"content": "tarball"}, "an npm tarball needs the version's name"),
        ("maven", {"name": "1.0", "content": "jar"}, "maven versions cannot be given content"),
        (
            "container",
            {"name": "sha256:" + "0" * 64, "content": "image"},
            "versions[0].name: the content is sha256:",
        ),
        (
            "container",
            {"content": "image", "deleted_at": "2026-01-01T00:00:00Z"},
            "versions[0].deleted_at: a version with content cannot be deleted",
        ),
        (
            "container",
            {"content": {"kind": "image", "platforms": ["amd64"]}},
            "'amd64' is not OS/ARCH[/VARIANT]",
        ),
        (
            "container",
            {"content": {"kind": "image", "flavour": "x"}},
            "versions[0].content.flavour: unknown key",
        ),
        (
            "container",
            {"content": {"kind": "image", "files": {"../etc/passwd": "x"}}},
            "is not a relative path",
        ),
        ("container", {"tags": ["v1"]}, "versions[0].name: required key is missing"),
    ],
)
def test_content_errors_name_their_path_and_load_nothing(
    cli: Any, store: Any, tmp_path: Path, package_type: str, version: dict[str, Any], message: str
) -> None:
    document = alice_with(
        [{"owner": "alice", "package_type": package_type, "name": "x", "versions": [version]}]
    )
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(document))
    before = snapshot(store)
    result = cli("seed", str(path))
    assert result.exit_code != 0 and message in result.output, result.output
    assert snapshot(store) == before


def test_the_same_image_twice_is_one_version_twice(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(container({"content": "image"}, {"content": "image"})))
    result = cli("seed", str(path))
    assert result.exit_code != 0 and "versions[1].name: version 'sha256:" in result.output


def test_content_needs_the_blob_store(store: Any, clock: Clock) -> None:
    """load_seed without the formats and blob store refuses content, naming it."""
    with pytest.raises(SeedError) as refused:
        load_seed(store, container({"content": "image"}), clock.now)
    assert refused.value.errors == [
        "packages[0].versions[0].content: content needs a blob store: load it with `packyard seed`"
    ]


def test_images_are_the_same_bytes_every_time() -> None:
    oci_examples._image.cache_clear()  # built anew, not remembered
    first = build_image(MULTI)
    oci_examples._image.cache_clear()
    again = build_image(MULTI)
    assert first == again
    assert [m.media_type for m in first.manifests][-2:] == [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",  # the attestation, after its subject
    ]
    assert first.version == first.manifests[2].digest and first.extra_versions == 3
    layer = first.manifests[0].blobs[1]
    assert layer[:2] == b"\x1f\x8b" and layer[4:8] == b"\0\0\0\0"  # gzip, stamped time 0
    assert gzip.decompress(layer)  # a tar of the files


def test_tarballs_are_npm_pack_s(tmp_path: Path) -> None:
    tarball = build_tarball(
        ContentRequest(owner="acme", package="web-ui", version="1.2.3", kind="tarball")
    )
    assert tarball.name == "@acme/web-ui"
    document = tarball.document({"latest": "1.2.3"})
    assert document["versions"]["1.2.3"]["name"] == "@acme/web-ui"
    assert list(document["_attachments"]) == ["@acme/web-ui-1.2.3.tgz"]


def test_versions_without_content_stay_made_up(
    cli: Any, store: Any, tmp_path: Path, settings: Settings
) -> None:
    """A file that asks for no content loads as it always did: the versions are rows only,
    and nothing is written to the blob store."""
    made_up = "sha256:" + "1" * 64
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(container({"name": made_up, "tags": ["latest"]})))
    assert cli("seed", str(path)).exit_code == 0
    state = snapshot(store)
    assert [row[2] for row in state["package_versions"]] == [made_up]
    assert state["package_files"] == [] and state["oci_manifests"] == []
    assert not list((settings.data_dir / "blobs").glob("sha256/*/*/*"))


def test_a_push_fills_a_seeded_version(store: Any, clock: Clock, settings: Settings) -> None:
    """The seed format's promise, "content comes from real pushes": the manifest whose
    digest a seeded version names fills it in, keeping its id, tags and downloads; and a
    version that holds content is never published over."""
    image = build_image(ContentRequest(owner="alice", package="app", version=None, kind="image"))
    seeded = {"name": image.version, "tags": ["v1"], "download_count": 7}
    load_seed(store, container(seeded), clock.now)
    ports = content_ports(settings)
    alice = authenticate(store, ALICE, clock.now)
    ctx = Context(store, alice, clock.now, timedelta(days=30), ports.formats)
    image.publish(ctx, ports.blobs)
    state = snapshot(store)
    [version] = state["package_versions"]
    assert version[:3] == ("1", "1", image.version) and "7" in version  # the seeded row
    assert [row[1:] for row in state["version_tags"]] == [("v1", "1")]
    assert len(state["oci_manifests"]) == 1 and len(state["package_files"]) == 3

    tarball = build_tarball(
        ContentRequest(owner="alice", package="lib", version="1.0.0", kind="tarball")
    )
    lib = {"owner": "alice", "package_type": "npm", "name": "lib", "versions": [{"name": "1.0.0"}]}
    load_seed(store, alice_with([lib]), clock.now)
    tarball.publish(ctx, ports.blobs)  # fills the seeded 1.0.0
    with pytest.raises(Conflict):
        put_packument(ctx, ports.blobs, tarball.name, lambda: tarball.document({}), unpublish=False)
