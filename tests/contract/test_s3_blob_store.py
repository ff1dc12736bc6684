"""What only the S3 blob store must show, against a real S3 server (SeaweedFS, SigV4
enforced): an upload is an S3 multipart upload whose state is in the database, small chunks
gathered into parts no smaller than S3 takes, continued by any process, one of two appends
at one offset winning; a wrong digest leaves nothing behind; the sweep aborts abandoned
uploads and reclaims only what nothing names, never bytes a publish re-uses meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from packyard.config import Settings
from packyard.core import reclaims
from packyard.core.files import ingest
from packyard.core.gc import collect_garbage
from packyard.core.ports import BlobError, OffsetMismatch, UnknownUpload
from packyard.core.reclaims import StoreReclaims
from packyard.domain.digests import DigestMismatch, digest_of
from packyard.registries.oci import service as registry
from packyard.server import build_store, registered_formats
from packyard.storage.blobs import s3
from packyard.storage.blobs.s3 import MIN_PART_SIZE, PART_SIZE, S3BlobStore
from packyard.storage.db import tables as t
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
BIG = bytes(range(256)) * (12 * 1024 * 1024 // 256)  # 12 MiB: a part and a half


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


def open_store(server: S3Server, bucket: str, store: SqlStore) -> S3BlobStore:
    """Another process's store, as far as the state it keeps goes: its own S3 client, its own
    SQL store (its running hashes and connections) on the shared database."""
    return S3BlobStore(server.client(), bucket, "blobs", store=build_store(store.engine))


def push(blobs: S3BlobStore, upload: str, data: bytes, start: int = 0) -> None:
    """`data` appended from byte `start` in CHUNK-sized pieces, as an OCI client sends it."""
    for offset in range(start, start + len(data), CHUNK):
        blobs.append(upload, data[offset - start : offset - start + CHUNK], offset)


def in_flight(server: S3Server, bucket: str) -> list[str]:
    """The keys of the bucket's multipart uploads not yet completed or aborted."""
    listed = server.client().list_multipart_uploads(Bucket=bucket)
    return [u["Key"] for u in listed.get("Uploads", [])]


def upload_rows(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(select(table))]
            for table in (t.blob_uploads, t.blob_upload_parts, t.blob_upload_pending)
        }


def test_small_chunks_are_gathered_into_parts_recorded_in_the_database(
    s3_server: S3Server,
    bucket: str,
    store: SqlStore,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """12 MiB in 512 KiB chunks: one S3 part of PART_SIZE once the gathered chunks fill it,
    the rest waiting in the database, and its state — offset, UploadId, parts, pending
    chunks — in the upload's row; the commit sends the rest as the last part."""
    blobs = open_store(s3_server, bucket, store)
    upload = blobs.start_upload()
    push(blobs, upload, BIG)
    rows = upload_rows(engine)
    ((upload_id, size, multipart_id, claimed, _started),) = rows["blob_uploads"]
    assert (upload_id, size, claimed) == (upload, len(BIG), 1) and multipart_id
    ((_, number, start, part_size, etag),) = rows["blob_upload_parts"]
    assert (number, start, part_size) == (1, 0, PART_SIZE) and etag
    pending = [(start, len(data)) for _, start, data in rows["blob_upload_pending"]]
    assert pending == [(o, CHUNK) for o in range(PART_SIZE, len(BIG), CHUNK)]
    assert in_flight(s3_server, bucket) == [f"blobs/_uploads/{upload}"]

    completed: list[Any] = []
    complete = blobs.client.complete_multipart_upload
    monkeypatch.setattr(
        blobs.client,
        "complete_multipart_upload",
        lambda **ask: completed.append(ask["MultipartUpload"]["Parts"]) or complete(**ask),
    )
    digest = str(digest_of(BIG))
    assert blobs.commit(upload, digest) == len(BIG)
    ((first, last),) = completed  # the recorded part, then the gathered rest as the last
    assert first == {"PartNumber": 1, "ETag": etag} and last["PartNumber"] == 2
    assert blobs.size(digest) == len(BIG)
    across = b"".join(blobs.read(digest, PART_SIZE - 10, PART_SIZE + 10))
    assert across == BIG[PART_SIZE - 10 : PART_SIZE + 10] and blobs.read_all(digest) == BIG
    assert upload_rows(engine) == {name: [] for name in rows}
    assert in_flight(s3_server, bucket) == [] and blobs.uploads() == []
    leftovers = s3_server.client().list_objects_v2(Bucket=bucket, Prefix="blobs/_uploads/")
    assert not leftovers.get("Contents")  # the completed object went once copied


def test_a_commit_where_every_append_was_made_hashes_nothing_again(
    s3_server: S3Server, bucket: str, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process that made every append checks its running hash, and reads nothing back;
    the bytes under the digest are still the upload's."""
    blobs = open_store(s3_server, bucket, store)
    upload = blobs.start_upload()
    push(blobs, upload, BIG)
    read: list[str] = []
    get_object = blobs.client.get_object
    monkeypatch.setattr(
        blobs.client, "get_object", lambda **ask: read.append(ask["Key"]) or get_object(**ask)
    )
    digest = str(digest_of(BIG))
    blobs.commit(upload, digest)
    assert read == []
    assert blobs.read_all(digest) == BIG and read == [blobs._key(digest)]


def test_an_upload_continues_through_another_instance(
    s3_server: S3Server, bucket: str, store: SqlStore
) -> None:
    """A chunked push's state is in the database: another process picks it up where it is,
    sends the next part, and commits it, hashing the bytes it did not see arrive."""
    first, second = open_store(s3_server, bucket, store), open_store(s3_server, bucket, store)
    upload = first.start_upload()
    half = len(BIG) // 2 // CHUNK * CHUNK
    push(first, upload, BIG[:half])
    assert second.uploads() == [upload] and second.upload_size(upload) == half
    assert second.upload_started(upload) <= time.time()
    push(second, upload, BIG[half:], half)
    assert first.upload_size(upload) == len(BIG)
    digest = str(digest_of(BIG))
    assert second.commit(upload, digest) == len(BIG)
    assert first.read_all(digest) == BIG and first.uploads() == []
    assert in_flight(s3_server, bucket) == []


def test_a_blob_over_what_s3_copies_at_once_is_copied_in_parts(
    s3_server: S3Server, bucket: str, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 copies at most 5 GiB in one request: past that the completed upload is copied
    under its digest part by part (the limits lowered here, so that 12 MiB is "past")."""
    monkeypatch.setattr(s3, "COPY_LIMIT", MIN_PART_SIZE)
    monkeypatch.setattr(s3, "COPY_PART", MIN_PART_SIZE)
    blobs = open_store(s3_server, bucket, store)
    upload = blobs.start_upload()
    push(blobs, upload, BIG)
    digest = str(digest_of(BIG))
    assert blobs.commit(upload, digest) == len(BIG)
    assert blobs.read_all(digest) == BIG and in_flight(s3_server, bucket) == []
    head = s3_server.client().head_object(Bucket=bucket, Key=blobs._key(digest))
    assert head["ETag"].strip('"').endswith("-3")  # 5 + 5 + 2 MiB, copied by range


def stale(blobs: S3BlobStore, upload: str) -> None:
    """Make `blobs` read the upload as it stands now at its next append: as a process that
    read it just before another's append committed."""
    seen, real = blobs._multipart.state(upload), blobs._multipart.state
    once = [seen]
    blobs._multipart.state = lambda u: once.pop() if once else real(u)  # type: ignore[method-assign]


@pytest.mark.parametrize("size", [len(b"first"), PART_SIZE], ids=["gathered", "part"])
def test_two_appends_at_one_offset_one_wins(
    s3_server: S3Server, bucket: str, store: SqlStore, engine: Engine, size: int
) -> None:
    """Two processes that both saw the upload at byte 0 append different bytes there: the
    second is told where the upload moved on to, and its bytes are nowhere in the blob — a
    part it sent under a number of its own is not one the upload names."""
    first, second = open_store(s3_server, bucket, store), open_store(s3_server, bucket, store)
    upload = first.start_upload()
    winner, loser = b"w" * size, b"l" * size
    stale(second, upload)
    first.append(upload, winner, 0)
    with pytest.raises(OffsetMismatch) as moved:
        second.append(upload, loser, 0)
    assert moved.value.expected == size and first.upload_size(upload) == size
    parts = upload_rows(engine)["blob_upload_parts"]
    assert [number for _, number, *_ in parts] == ([1] if size == PART_SIZE else [])
    # Committed where neither append was made: the bytes are read back and hashed.
    third = open_store(s3_server, bucket, store)
    digest = str(digest_of(winner + b"tail"))
    third.append(upload, b"tail", size)
    assert third.commit(upload, digest) == size + 4
    assert third.read_all(digest) == winner + b"tail"


def test_a_part_sent_by_the_loser_after_the_winners_is_not_the_blobs(
    s3_server: S3Server, bucket: str, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the claimed part numbers close: both processes stand at byte 0 and each
    claimed a number; the winner sends its part and commits, then the loser's part reaches
    S3. Under one shared number it would replace the winner's bytes; under its own it is a
    part the upload never names. (SeaweedFS keeps every upload of a part number and
    completes with the one whose ETag is named; AWS keeps the last, and refuses the
    completion: so the numbers are checked, not only the bytes.)"""
    first, second = open_store(s3_server, bucket, store), open_store(s3_server, bucket, store)
    upload = first.start_upload()
    winner, loser = b"w" * PART_SIZE, b"l" * PART_SIZE
    send, sent = first.client.upload_part, []

    def late(**part: Any) -> Any:
        second.append(upload, winner, 0)  # claims, sends and commits while `first` sends
        sent.append(part["PartNumber"])
        return send(**part)

    monkeypatch.setattr(first.client, "upload_part", late)
    with pytest.raises(OffsetMismatch) as moved:
        first.append(upload, loser, 0)
    assert moved.value.expected == PART_SIZE
    ((_, named, *_),) = upload_rows(store.engine)["blob_upload_parts"]
    assert sent and sent[0] != named  # the loser's part is not the one the upload names
    digest = str(digest_of(winner))
    assert open_store(s3_server, bucket, store).commit(upload, digest) == PART_SIZE
    assert first.read_all(digest) == winner and in_flight(s3_server, bucket) == []


@pytest.mark.parametrize("where", ["same", "another"])
def test_a_wrong_digest_leaves_nothing(
    s3_server: S3Server, bucket: str, store: SqlStore, engine: Engine, where: str
) -> None:
    """Checked by the running hash (the process that appended) or by reading the completed
    object back (another): nothing under the digest, nothing in flight, and the upload is
    over (its multipart upload could not go on once completed)."""
    blobs = open_store(s3_server, bucket, store)
    upload = blobs.start_upload()
    push(blobs, upload, BIG)
    committer = blobs if where == "same" else open_store(s3_server, bucket, store)
    wrong = str(digest_of(b"something else"))
    with pytest.raises(DigestMismatch):
        committer.commit(upload, wrong)
    assert not blobs.exists(wrong) and list(blobs.stored()) == []
    assert in_flight(s3_server, bucket) == []  # aborted: no parts kept (or billed)
    assert upload_rows(engine) == {name: [] for name in upload_rows(engine)}
    leftovers = s3_server.client().list_objects_v2(Bucket=bucket, Prefix="blobs/")
    assert not leftovers.get("Contents")
    with pytest.raises(UnknownUpload):
        blobs.upload_size(upload)
    assert not blobs.cancel(upload)


def test_the_sweep_aborts_an_abandoned_multipart_upload(
    s3_server: S3Server, bucket: str, store: SqlStore, engine: Engine, settings: Settings
) -> None:
    blobs = open_store(s3_server, bucket, store)
    abandoned = blobs.start_upload()
    push(blobs, abandoned, BIG)
    assert in_flight(s3_server, bucket) == [f"blobs/_uploads/{abandoned}"]
    far = datetime.now(UTC) + timedelta(days=3650)
    counts = collect_garbage(store, far, timedelta(days=30), registered_formats(settings), blobs)
    assert counts.uploads == 1 and blobs.uploads() == []
    assert in_flight(s3_server, bucket) == []
    assert upload_rows(engine) == {name: [] for name in upload_rows(engine)}


def test_without_a_database_uploads_are_refused(s3_server: S3Server, bucket: str) -> None:
    """A store built by a script, with no database to keep an upload's state in, still
    writes blobs whole; it begins no upload it could not continue."""
    blobs = S3BlobStore(s3_server.client(), bucket, "blobs")
    blobs.put(b"whole", str(digest_of(b"whole")))
    with pytest.raises(BlobError, match="database"):
        blobs.start_upload()


def reclaiming(server: S3Server, bucket: str, store: SqlStore) -> S3BlobStore:
    """As `packyard serve` builds it: sweeps coordinated through the database."""
    return S3BlobStore(server.client(), bucket, "blobs", store=store, reclaims=StoreReclaims(store))


def test_without_reclaims_the_sweep_never_deletes(
    s3_server: S3Server, bucket: str, store: SqlStore, settings: Settings
) -> None:
    """A store whose sweeps nothing coordinates cannot be vetoed by a publish, so it
    deletes nothing; abandoned uploads still go."""
    blobs = open_store(s3_server, bucket, store)
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
