"""What only the S3 blob store must show, against a real S3 server (SeaweedFS, SigV4
enforced): uploads live in the bucket, large blobs go up in parts no smaller than S3
takes, a wrong digest leaves nothing behind, and the sweep reclaims only what nothing names,
never bytes a publish re-uses meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from packyard.config import Settings
from packyard.core import reclaims
from packyard.core.files import ingest
from packyard.core.gc import collect_garbage
from packyard.core.ports import OffsetMismatch
from packyard.core.reclaims import StoreReclaims
from packyard.domain.digests import DigestMismatch, digest_of
from packyard.registries.oci import service as registry
from packyard.server import registered_formats
from packyard.storage.blobs.s3 import MIN_PART_SIZE, PART_SIZE, S3BlobStore
from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE, Clock
from tests.contract.test_registry_services import (
    CONFIG,
    FORMATS,
    LAYER,
    ctx,
    ghcr,
    image,
    push_blob,
)
from tests.seaweedfs import S3Server

# More than one part's worth, in chunks far smaller than S3's smallest part, as an OCI
# client sends them.
CHUNK = 512 * 1024
BIG = bytes(range(256)) * ((PART_SIZE + 3 * MIN_PART_SIZE // 2) // 256)


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


def open_store(server: S3Server, bucket: str) -> S3BlobStore:
    return S3BlobStore(server.client(), bucket, "blobs")


def test_sigv4_is_enforced(s3_server: S3Server, bucket: str) -> None:
    """The server checks signatures, so the suite would see a store that signed wrongly."""
    with pytest.raises(ClientError) as refused:
        s3_server.client(secret="not-the-secret").list_objects_v2(Bucket=bucket)
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_an_upload_continues_through_another_instance(s3_server: S3Server, bucket: str) -> None:
    """A chunked push's state is in the bucket: another process picks it up where it is."""
    first, second = open_store(s3_server, bucket), open_store(s3_server, bucket)
    upload = first.start_upload()
    first.append(upload, BIG[:CHUNK], 0)
    assert second.uploads() == [upload] and second.upload_size(upload) == CHUNK
    assert second.upload_started(upload) <= time.time()
    second.append(upload, BIG[CHUNK : 2 * CHUNK], CHUNK)
    assert first.upload_size(upload) == 2 * CHUNK
    digest = str(digest_of(BIG[: 2 * CHUNK]))
    assert first.commit(upload, digest) == 2 * CHUNK
    assert second.read_all(digest) == BIG[: 2 * CHUNK] and second.uploads() == []


def test_two_appends_at_one_offset_one_wins(s3_server: S3Server, bucket: str) -> None:
    """Two processes that both saw the upload at byte 0: the second is told it moved on."""
    first, second = open_store(s3_server, bucket), open_store(s3_server, bucket)
    upload = first.start_upload()
    assert first.upload_size(upload) == second.upload_size(upload) == 0
    first.append(upload, b"first", 0)
    stale, real = [0], second.upload_size  # what the second saw before the first wrote
    second.upload_size = lambda u: stale.pop() if stale else real(u)  # type: ignore[method-assign]
    with pytest.raises(OffsetMismatch) as moved:
        second.append(upload, b"second", 0)
    assert moved.value.expected == len(b"first")
    assert first.upload_size(upload) == len(b"first")


def test_a_large_blob_of_small_chunks_goes_up_in_parts(s3_server: S3Server, bucket: str) -> None:
    blobs = open_store(s3_server, bucket)
    upload = blobs.start_upload()
    for offset in range(0, len(BIG), CHUNK):
        blobs.append(upload, BIG[offset : offset + CHUNK], offset)
    digest = str(digest_of(BIG))
    assert blobs.commit(upload, digest) == len(BIG)
    head = s3_server.client().head_object(Bucket=bucket, Key=blobs._key(digest))
    # A multipart object's ETag names its parts: two, the first PART_SIZE, the rest after.
    assert head["ETag"].strip('"').endswith("-2") and head["ContentLength"] == len(BIG)
    across = b"".join(blobs.read(digest, PART_SIZE - 10, PART_SIZE + 10))
    assert across == BIG[PART_SIZE - 10 : PART_SIZE + 10] and blobs.read_all(digest) == BIG
    leftovers = s3_server.client().list_objects_v2(Bucket=bucket, Prefix="blobs/_uploads/")
    assert not leftovers.get("Contents")  # the chunks are gone with the upload


def test_a_wrong_digest_aborts_the_multipart_upload(s3_server: S3Server, bucket: str) -> None:
    blobs = open_store(s3_server, bucket)
    upload = blobs.start_upload()
    for offset in range(0, len(BIG), CHUNK):
        blobs.append(upload, BIG[offset : offset + CHUNK], offset)
    wrong = str(digest_of(b"something else"))
    with pytest.raises(DigestMismatch):
        blobs.commit(upload, wrong)
    assert not blobs.exists(wrong) and list(blobs.stored()) == []
    pending = s3_server.client().list_multipart_uploads(Bucket=bucket)
    assert not pending.get("Uploads")  # aborted: no parts kept (or billed)
    assert blobs.upload_size(upload) == len(BIG)  # the client may still cancel it
    assert blobs.cancel(upload) and blobs.uploads() == []


def reclaiming(server: S3Server, bucket: str, store: SqlStore) -> S3BlobStore:
    """As `packyard serve` builds it: sweeps coordinated through the database."""
    return S3BlobStore(server.client(), bucket, "blobs", reclaims=StoreReclaims(store))


def test_without_the_database_the_sweep_never_deletes(
    s3_server: S3Server, bucket: str, store: SqlStore, settings: Settings
) -> None:
    """A store with no database to coordinate through (a script's) cannot be vetoed by a
    publish, so it deletes nothing; abandoned uploads still go."""
    blobs = open_store(s3_server, bucket)
    digest = str(digest_of(b"nothing names these bytes"))
    blobs.put(b"nothing names these bytes", digest)
    assert not blobs.delete_if_older(digest, time.time() + 10**9)
    far = datetime.now(UTC) + timedelta(days=3650)
    counts = collect_garbage(store, far, timedelta(days=30), registered_formats(settings), blobs)
    assert counts.blobs == 0 and blobs.exists(digest)
    abandoned = blobs.start_upload()
    collect_garbage(store, far, timedelta(days=30), registered_formats(settings), blobs)
    assert abandoned not in blobs.uploads()


def test_gc_reclaims_old_unreferenced_blobs_only(
    s3_server: S3Server, bucket: str, store: SqlStore, clock: Clock, world: Any
) -> None:
    """Past the window: the bytes nothing names go; an image's (named by its version's
    files) and bytes younger than the window stay; another store's prefix is not touched."""
    blobs = reclaiming(s3_server, bucket, store)
    neighbour = S3BlobStore(s3_server.client(), bucket, "other", reclaims=StoreReclaims(store))
    clock.now = datetime.now(UTC) - timedelta(hours=1)  # the links: older than the cutoff
    alice = ctx(store, clock, ALICE)
    name = ghcr("alice/s3gc")
    config, layer = push_blob(alice, blobs, name, CONFIG), push_blob(alice, blobs, name, LAYER)
    manifest = registry.put_manifest(alice, blobs, name, "v1", image(config, layer), None).digest
    stray = push_blob(alice, blobs, name, b"pushed, never named")
    unlinked = str(digest_of(b"put, never linked"))
    blobs.put(b"put, never linked", unlinked)
    neighbours = str(digest_of(b"another store's"))
    neighbour.put(b"another store's", neighbours)
    old = max(blobs.written_at(d) or 0 for d in (config, layer, manifest, stray, unlinked))
    while time.time() < old + 1:  # LastModified has whole seconds: the next one
        time.sleep(0.05)
    young = str(digest_of(b"written within the window"))
    blobs.put(b"written within the window", young)
    cutoff = blobs.written_at(young) or 0
    assert cutoff > old

    window = timedelta(days=30)
    now = datetime.fromtimestamp(cutoff, UTC) + window
    counts = collect_garbage(store, now, window, FORMATS, blobs)
    assert counts.blobs == 2
    assert not blobs.exists(stray) and not blobs.exists(unlinked)
    assert all(blobs.exists(d) for d in (config, layer, manifest, young))
    assert neighbour.exists(neighbours)
    assert registry.get_manifest(alice, blobs, name, "v1", count_download=False)


def test_a_publish_between_the_mark_and_the_delete_keeps_the_blob(
    s3_server: S3Server, bucket: str, store: SqlStore
) -> None:
    """The race: GC marks an old blob nothing names; before it deletes, a publish finds the
    same bytes stored, refreshes them and will name them. The publish's touch vetoes the
    mark, so the delete does not happen. Every blob here is "old" to this sweep (its cutoff
    is far ahead), so only the veto can keep it; without a publish, the same sweep deletes."""
    blobs = reclaiming(s3_server, bucket, store)
    reused, unused = b"bytes a publish re-uses", b"bytes nobody re-uses"
    for data in (reused, unused):
        blobs.put(data, str(digest_of(data)))
    candidates = [str(digest_of(reused)), str(digest_of(unused))]
    now, far = datetime.now(UTC), time.time() + 10**9

    reclaims.mark(store, candidates, now)  # the sweep's mark
    again = ingest(blobs, "again.tgz", reused)  # the publish: finds the bytes, touches them
    assert reclaims.reclaim_marked(store, blobs, candidates, far, now) == 1  # the delete
    assert blobs.read_all(again.digest) == reused
    assert not blobs.exists(str(digest_of(unused)))


def test_a_publish_after_the_delete_writes_the_bytes_again(
    s3_server: S3Server, bucket: str, store: SqlStore
) -> None:
    """A publish that comes once the sweep took the bytes learns so from the mark (or finds
    them gone) and writes them again; bytes written again since are found, not rewritten."""
    blobs = reclaiming(s3_server, bucket, store)
    data = b"reclaimed, then published again"
    digest = str(digest_of(data))
    blobs.put(data, digest)
    now = datetime.now(UTC)
    reclaims.mark(store, [digest], now)
    assert reclaims.reclaim_marked(store, blobs, [digest], time.time() + 10**9, now) == 1
    assert not blobs.exists(digest) and not blobs.touch(digest)
    assert ingest(blobs, "again.tgz", data).digest == digest
    assert blobs.read_all(digest) == data
    assert blobs.touch(digest)  # marked reclaimed, but written since: there


def test_a_publish_while_the_sweep_deletes_writes_the_bytes_again(
    s3_server: S3Server, bucket: str, store: SqlStore
) -> None:
    """The narrowest race: the sweep holds the mark and has judged the bytes old; a publish
    touches them before the delete and checks the mark after it started. Its veto waits for
    the sweep (or finds it done), learns the bytes were reclaimed and writes them again,
    whichever of the two statements ran first."""
    holding, touched = threading.Event(), threading.Event()

    class Sweeping(S3BlobStore):
        def delete_if_older(self, digest: str, before: float) -> bool:
            holding.set()  # inside the sweep's hold of the mark
            assert touched.wait(30)
            return super().delete_if_older(digest, before)

    class Publishing(StoreReclaims):
        def spared(self, digest: str) -> bool:
            touched.set()  # the copy is done: the publish's touch refreshed the bytes
            return super().spared(digest)

    data = b"touched while the sweep deletes"
    digest = str(digest_of(data))
    sweeper = Sweeping(s3_server.client(), bucket, "blobs", reclaims=StoreReclaims(store))
    sweeper.put(data, digest)
    now, far = datetime.now(UTC), time.time() + 10**9
    reclaims.mark(store, [digest], now)
    swept: list[int] = []
    sweep = threading.Thread(
        target=lambda: swept.append(reclaims.reclaim_marked(store, sweeper, [digest], far, now))
    )
    sweep.start()
    assert holding.wait(30)
    publisher = S3BlobStore(s3_server.client(), bucket, "blobs", reclaims=Publishing(store))
    assert ingest(publisher, "again.tgz", data).digest == digest
    sweep.join(30)
    assert swept == [1]  # the sweep did delete the bytes it judged old…
    assert publisher.read_all(digest) == data  # …and the publish wrote them again
