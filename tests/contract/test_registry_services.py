"""The registry's use cases on the real store and blob store, on either engine."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from packyard.config import Settings
from packyard.core.context import Context
from packyard.core.files import settle_all_downloads
from packyard.domain.errors import Forbidden, NotFound, Unauthenticated
from packyard.domain.oci import (
    OCI_INDEX,
    OCI_MANIFEST,
    BlobUnknown,
    Denied,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestRejected,
    ManifestUnknown,
    NameInvalid,
    UploadOffsetInvalid,
)
from packyard.domain.types import ANONYMOUS, Actor
from packyard.registries.oci import blobs as oci_blobs
from packyard.registries.oci import service as registry
from packyard.registries.oci.naming import CONTAINER, RepoName
from packyard.server import registered_formats
from packyard.services.auth import authenticate
from packyard.storage.blobs.filesystem import FilesystemBlobStore
from tests.conftest import ALICE, ALICE_OAUTH, BOB_READ, Api, Clock

FORMATS = registered_formats(Settings())
CONFIG = b"{}"
LAYER = b"layer bytes" * 100


def ghcr(name: str) -> RepoName:
    """A name as the container registry's endpoint hands it to the services."""
    return RepoName(name, CONTAINER)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def blobs(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "blobs")


def ctx(store: Any, clock: Clock, token: str | None) -> Context:
    actor: Actor = authenticate(store, token, clock.now) if token else ANONYMOUS
    return Context(store, actor, clock.now, timedelta(days=30), FORMATS)


def push_blob(c: Context, blobs: FilesystemBlobStore, name: str, data: bytes) -> str:
    upload = oci_blobs.start_upload(c, blobs, name)
    oci_blobs.append_upload(c, blobs, name, upload, data[:5], 0)
    oci_blobs.finish_upload(c, blobs, name, upload, sha(data), data[5:])
    return sha(data)


def image(config: str, layer: str, **extra: object) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config,
                "size": len(CONFIG),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer,
                    "size": len(LAYER),
                }
            ],
            **extra,
        }
    ).encode()


def test_push_pull_and_the_rest_api_view(
    store: Any, clock: Clock, blobs: Any, world: Any, api: Api
) -> None:
    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/web/app")
    config, layer = push_blob(alice, blobs, name, CONFIG), push_blob(alice, blobs, name, LAYER)
    assert oci_blobs.blob_size(alice, blobs, name, layer) == len(LAYER)
    content = image(config, layer)
    record = registry.put_manifest(alice, blobs, name, "v1", content, OCI_MANIFEST)
    assert record.digest == sha(content)
    got, body, download = registry.get_manifest(alice, blobs, name, "v1", count_download=True)
    assert body == content and got.media_type == OCI_MANIFEST
    assert download is not None and download.version_id == record.version_id
    download()  # what the response does as it goes out
    assert registry.get_manifest(alice, blobs, name, record.digest, count_download=False)[1] == (
        content
    )
    registry.put_manifest(alice, blobs, name, "latest", content, None)  # same digest, 2nd tag
    assert registry.list_tags(alice, name, None, None) == ["latest", "v1"]
    assert registry.list_tags(alice, name, "latest", 5) == ["v1"]
    # The REST API sees one private version named by digest, with both tags.
    versions = api.get("/users/alice/packages/container/web%2Fapp/versions", ALICE).json()
    assert [(v["name"], v["metadata"]["container"]["tags"]) for v in versions] == [
        (record.digest, ["latest", "v1"])
    ]
    package = api.get("/users/alice/packages/container/web%2Fapp", ALICE).json()
    assert package["visibility"] == "private" and package["version_count"] == 1
    # One GET counted, the digest GET not (counts are written behind the pulls).
    from sqlalchemy import select

    from packyard.storage.db.tables import version_downloads

    settle_all_downloads()
    from packyard.storage.db.tables import versions as versions_table

    with store.engine.connect() as conn:
        assert (
            conn.execute(
                select(versions_table.c.download_count).where(
                    versions_table.c.id == record.version_id
                )
            ).scalar()
            == 1
        )
        assert (
            conn.execute(
                select(version_downloads.c.count).where(
                    version_downloads.c.version_id == record.version_id
                )
            ).scalar()
            == 1
        )


def test_tags_move_and_indexes_need_their_children(
    store: Any, clock: Clock, blobs: Any, world: Any
) -> None:
    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/multi")
    config = push_blob(alice, blobs, name, CONFIG)
    layer = push_blob(alice, blobs, name, LAYER)
    one = registry.put_manifest(alice, blobs, name, "latest", image(config, layer), None)
    other = image(config, layer, annotations={"v": "2"})
    two = registry.put_manifest(alice, blobs, name, "latest", other, None)
    assert registry.get_manifest(alice, blobs, name, "latest", count_download=False)[0] == two
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": one.digest, "size": one.size},
                {"mediaType": OCI_MANIFEST, "digest": sha(b"nope"), "size": 1},
            ],
        }
    ).encode()
    with pytest.raises(ManifestBlobUnknown) as unknown:
        registry.put_manifest(alice, blobs, name, "multi", index, OCI_INDEX)
    assert unknown.value.digest == sha(b"nope")


def test_refusals(store: Any, clock: Clock, blobs: Any, world: Any) -> None:
    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/secret")
    config = push_blob(alice, blobs, name, CONFIG)
    with pytest.raises(ManifestBlobUnknown):
        registry.put_manifest(alice, blobs, name, "v1", image(config, sha(b"missing")), None)
    with pytest.raises(ManifestRejected):
        registry.put_manifest(alice, blobs, name, "v1", b"{}", OCI_MANIFEST)
    layer = push_blob(alice, blobs, name, LAYER)
    content = image(config, layer)
    with pytest.raises(DigestInvalid):
        registry.put_manifest(alice, blobs, name, sha(b"other"), content, None)
    registry.put_manifest(alice, blobs, name, sha(content), content, None)
    upload = oci_blobs.start_upload(alice, blobs, name)
    oci_blobs.append_upload(alice, blobs, name, upload, b"abc", 0)
    with pytest.raises(UploadOffsetInvalid) as out_of_order:
        oci_blobs.append_upload(alice, blobs, name, upload, b"xyz", 10)
    assert out_of_order.value.expected == 3
    with pytest.raises(DigestInvalid):
        oci_blobs.finish_upload(alice, blobs, name, upload, sha(b"not abc"), b"")
    assert not blobs.exists(sha(b"not abc"))
    with pytest.raises(NameInvalid):
        registry.list_tags(alice, ghcr("Alice/Secret"), None, None)
    with pytest.raises(BlobUnknown):
        oci_blobs.blob_size(alice, blobs, name, sha(b"never pushed"))
    with pytest.raises(ManifestUnknown):
        registry.get_manifest(alice, blobs, name, "nope", count_download=False)
    # Anonymous: told to authenticate. A stranger's token: not told it exists.
    with pytest.raises(Unauthenticated):
        registry.list_tags(ctx(store, clock, None), name, None, None)
    with pytest.raises(NotFound):
        registry.list_tags(ctx(store, clock, BOB_READ), name, None, None)
    # Read-only and delete-only tokens cannot push; nobody pushes into another's namespace,
    # and a stranger hears the same about a private package as about a free name.
    with pytest.raises(Forbidden):
        oci_blobs.start_upload(ctx(store, clock, ALICE_OAUTH), blobs, name)
    with pytest.raises(Forbidden) as free_name:
        oci_blobs.start_upload(ctx(store, clock, BOB_READ), blobs, ghcr("alice/other"))
    with pytest.raises(Forbidden) as private:
        oci_blobs.start_upload(ctx(store, clock, BOB_READ), blobs, name)
    assert private.value.message == free_name.value.message


def test_mount_across_repositories(store: Any, clock: Clock, blobs: Any, world: Any) -> None:
    alice = ctx(store, clock, ALICE)
    layer = push_blob(alice, blobs, ghcr("alice/one"), LAYER)
    config = push_blob(alice, blobs, ghcr("alice/one"), CONFIG)
    registry.put_manifest(alice, blobs, ghcr("alice/one"), "v1", image(config, layer), None)
    assert oci_blobs.mount_blob(alice, blobs, ghcr("alice/two"), layer, "alice/one") == len(LAYER)
    assert oci_blobs.blob_size(alice, blobs, ghcr("alice/two"), layer) == len(LAYER)
    assert oci_blobs.mount_blob(alice, blobs, ghcr("alice/two"), layer, "bob/nothing") is None


@pytest.mark.parametrize(("counted_before", "deletable"), [(4_999, True), (5_000, False)])
def test_a_pull_feeds_the_5000_download_rule(
    store: Any, clock: Clock, blobs: Any, world: Any, app: Any, counted_before: int, deletable: bool
) -> None:
    """One real pull through /v2/: a manifest GET counts one download, a HEAD none, and the
    count is what the delete rule reads. The version starts next to the limit (set in the
    database: 5,000 real pulls would only prove the loop); the boundary itself (4,999 /
    5,000 / 5,001, public and private) is tests/unit/domain/test_rules.py's."""
    from sqlalchemy import select, update

    from packyard.storage.db.tables import packages, versions

    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/popular")
    config, layer = push_blob(alice, blobs, name, CONFIG), push_blob(alice, blobs, name, LAYER)
    record = registry.put_manifest(alice, blobs, name, "v1", image(config, layer), None)
    registry.put_manifest(
        alice, blobs, name, "v2", image(config, layer, annotations={"x": "y"}), None
    )
    this_version = versions.c.id == record.version_id
    with store.write() as tx:
        tx.state.conn.execute(
            update(packages).where(packages.c.name == "popular").values(visibility="public")
        )
        tx.state.conn.execute(
            update(versions).where(this_version).values(download_count=counted_before)
        )

    def downloads() -> int:
        settle_all_downloads()  # counts are written behind the pulls, and before a delete
        with store.engine.connect() as conn:
            return int(conn.execute(select(versions.c.download_count).where(this_version)).scalar())

    url = f"/v2/{name}/manifests/v1"
    with TestClient(app, base_url="http://testserver") as http:
        pulled = http.get(url, auth=("alice", ALICE), headers={"Accept": OCI_MANIFEST})
        assert pulled.status_code == 200 and pulled.headers["docker-content-digest"] == (
            record.digest
        )
        assert downloads() == counted_before + 1
        looked = http.head(url, auth=("alice", ALICE), headers={"Accept": OCI_MANIFEST})
        assert looked.status_code == 200 and looked.content == b""
        assert downloads() == counted_before + 1
    if deletable:
        registry.delete_manifest(alice, name, record.digest)
    else:
        with pytest.raises(Denied, match="5000 downloads"):
            registry.delete_manifest(alice, name, record.digest)


def test_first_push_links_the_source_repository(
    store: Any, clock: Clock, blobs: Any, world: Any, api: Api
) -> None:
    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/linked")
    config_bytes = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Labels": {"org.opencontainers.image.source": "https://github.com/alice/tools"}
            },
        }
    ).encode()
    config = push_blob(alice, blobs, name, config_bytes)
    layer = push_blob(alice, blobs, name, LAYER)
    manifest = json.loads(image(config, layer))
    manifest["config"]["size"] = len(config_bytes)
    registry.put_manifest(alice, blobs, name, "v1", json.dumps(manifest).encode(), None)
    package = api.get("/users/alice/packages/container/linked", ALICE).json()
    assert package["repository"]["full_name"] == "alice/tools"


def test_gc_reclaims_only_what_nothing_needs_past_the_window(
    store: Any, clock: Clock, blobs: Any, world: Any
) -> None:
    from datetime import UTC, datetime

    from packyard.core.gc import collect_garbage

    clock.now = datetime.now(UTC)  # blob files carry real modification times
    window = timedelta(days=30)
    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/gc")
    config = push_blob(alice, blobs, name, CONFIG)
    shared = push_blob(alice, blobs, name, LAYER)
    only_old = push_blob(alice, blobs, name, b"only in the old image")
    stray = push_blob(alice, blobs, name, b"pushed, never used")
    old = json.loads(image(config, shared))
    old["layers"].append(
        {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": only_old, "size": 21}
    )
    old_record = registry.put_manifest(alice, blobs, name, "old", json.dumps(old).encode(), None)
    registry.put_manifest(alice, blobs, name, "new", image(config, shared), None)
    registry.delete_manifest(alice, name, old_record.digest)
    in_progress = oci_blobs.start_upload(alice, blobs, name)
    oci_blobs.append_upload(alice, blobs, name, in_progress, b"half", 0)

    # Within the window: the deleted image is restorable, so all its bytes stay.
    kept = collect_garbage(store, clock.now + window, window, FORMATS, blobs)
    assert (kept.versions, kept.blobs) == (0, 0)
    assert all(blobs.exists(d) for d in (config, shared, only_old, stray, old_record.digest))

    # Past it: the deleted image and what only it used go; what the live one uses stays.
    later = clock.now + window + timedelta(days=1)
    swept = collect_garbage(store, later, window, FORMATS, blobs)
    assert swept.versions == 1 and swept.blobs == 3 and swept.uploads == 1
    assert not blobs.exists(only_old) and not blobs.exists(old_record.digest)
    assert not blobs.exists(stray)
    assert blobs.exists(config) and blobs.exists(shared)
    assert registry.get_manifest(alice, blobs, name, "new", count_download=False)


def test_gc_never_races_a_push(store: Any, clock: Clock, blobs: Any, world: Any) -> None:
    from datetime import UTC, datetime

    from packyard.core.gc import collect_garbage

    clock.now = datetime.now(UTC)
    alice = ctx(store, clock, ALICE)
    layer = push_blob(alice, blobs, ghcr("alice/racing"), LAYER)  # its manifest is not pushed yet
    upload = oci_blobs.start_upload(alice, blobs, ghcr("alice/racing"))
    counts = collect_garbage(store, clock.now, timedelta(days=30), FORMATS, blobs)
    assert (counts.blobs, counts.uploads) == (0, 0)
    assert blobs.exists(layer) and blobs.upload_size(upload) == 0


def test_gc_keeps_an_upload_still_being_written(
    store: Any, clock: Clock, blobs: Any, world: Any
) -> None:
    """An upload begun long ago whose bytes are still arriving is not abandoned: its row
    goes only with the bytes GC cancels."""
    from packyard.core.gc import collect_garbage

    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/slow")
    upload = oci_blobs.start_upload(alice, blobs, name)  # the row says: a month ago
    window = timedelta(days=30)
    counts = collect_garbage(store, clock.now + window + timedelta(days=1), window, FORMATS, blobs)
    assert counts.uploads == 0  # its bytes were written just now, by the file's clock
    assert oci_blobs.append_upload(alice, blobs, name, upload, b"more", 0) == 4


def test_a_link_lives_only_while_its_own_repository_names_the_blob(
    store: Any, clock: Clock, blobs: Any, world: Any
) -> None:
    """After GC, a repository serves only blobs its own package's versions name: a layer
    that another repository still uses is not kept linked here too."""
    from datetime import UTC, datetime

    from packyard.core.gc import collect_garbage

    clock.now = datetime.now(UTC)  # blob files carry real modification times
    window = timedelta(days=30)
    alice = ctx(store, clock, ALICE)
    config = push_blob(alice, blobs, ghcr("alice/first"), CONFIG)
    layer = push_blob(alice, blobs, ghcr("alice/first"), LAYER)
    first = registry.put_manifest(
        alice, blobs, ghcr("alice/first"), "v1", image(config, layer), None
    )
    for digest in (config, layer):
        assert oci_blobs.mount_blob(alice, blobs, ghcr("alice/second"), digest, "alice/first")
    registry.put_manifest(alice, blobs, ghcr("alice/second"), "v1", image(config, layer), None)
    registry.delete_manifest(alice, ghcr("alice/first"), first.digest)

    counts = collect_garbage(store, clock.now + window + timedelta(days=1), window, FORMATS, blobs)
    assert counts.versions == 1
    with pytest.raises(BlobUnknown):
        oci_blobs.blob_size(alice, blobs, ghcr("alice/first"), layer)
    assert oci_blobs.blob_size(alice, blobs, ghcr("alice/second"), layer) == len(LAYER)
