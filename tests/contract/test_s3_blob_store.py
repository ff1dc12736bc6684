"""What only the S3 blob store must show, against a real S3 server (SeaweedFS, SigV4
enforced): uploads live in the bucket, large blobs go up in parts no smaller than S3
takes, a wrong digest leaves nothing behind, and the sweep never deletes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from packyard.config import Settings
from packyard.core.gc import collect_garbage
from packyard.core.ports import OffsetMismatch
from packyard.domain.digests import DigestMismatch, digest_of
from packyard.server import registered_formats
from packyard.storage.blobs.s3 import MIN_PART_SIZE, PART_SIZE, S3BlobStore
from packyard.storage.db.store import SqlStore
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


def test_the_sweep_never_deletes(
    s3_server: S3Server, bucket: str, store: SqlStore, settings: Settings
) -> None:
    """S3 cannot judge a blob's age atomically with a publish's touch: until the sweep is
    coordinated through the database, nothing is deleted, so nothing is lost."""
    blobs = open_store(s3_server, bucket)
    digest = str(digest_of(b"nothing names these bytes"))
    blobs.put(b"nothing names these bytes", digest)
    assert not blobs.delete_if_older(digest, time.time() + 10**9)
    far = datetime.now(UTC) + timedelta(days=3650)
    counts = collect_garbage(store, far, timedelta(days=30), registered_formats(settings), blobs)
    assert counts.blobs == 0 and blobs.exists(digest)
    abandoned = blobs.start_upload()
    collect_garbage(store, far, timedelta(days=30), registered_formats(settings), blobs)
    assert abandoned not in blobs.uploads()  # abandoned uploads are still cleaned up
