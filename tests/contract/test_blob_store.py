"""The blob store contract: every BlobStore implementation must pass these (the S3 store
against a real S3 server, SeaweedFS, with SigV4 enforced: tests/seaweedfs.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from packyard.core.ports import BlobStore, OffsetMismatch, UnknownUpload
from packyard.core.reclaims import StoreReclaims
from packyard.domain.digests import DigestMismatch, InvalidDigest, digest_of
from packyard.storage.blobs.filesystem import FilesystemBlobStore
from packyard.storage.blobs.s3 import S3BlobStore
from tests.seaweedfs import S3Server

DATA = b"hello, blobs" * 1000


def _s3(request: pytest.FixtureRequest, _root: Path) -> BlobStore:
    """As `packyard serve` builds it: its uploads kept and its sweeps coordinated through
    the database."""
    server: S3Server = request.getfixturevalue("s3_server")
    store = request.getfixturevalue("store")
    return S3BlobStore(
        server.client(), server.new_bucket(), "blobs", store=store, reclaims=StoreReclaims(store)
    )


# Every implementation of the port, by name; each must pass every test of this suite.
BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], BlobStore]] = {
    "filesystem": lambda _request, root: FilesystemBlobStore(root / "blobs"),
    "s3": _s3,
}


@pytest.fixture(params=sorted(BACKENDS))
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return BACKENDS[request.param](request, tmp_path)


def test_put_read_ranges_delete(blobs: BlobStore) -> None:
    digest = str(digest_of(DATA))
    assert not blobs.exists(digest) and blobs.size(digest) is None
    assert blobs.put(DATA, digest) == len(DATA)
    assert blobs.size(digest) == len(DATA) and blobs.read_all(digest) == DATA
    assert blobs.download_url(digest, "GET") is None  # served here unless told to redirect
    assert b"".join(blobs.read(digest, 5, 17)) == DATA[5:17]
    assert b"".join(blobs.read(digest, len(DATA) - 3)) == DATA[-3:]
    assert blobs.delete(digest) and not blobs.exists(digest) and not blobs.delete(digest)


def test_sha512(blobs: BlobStore) -> None:
    digest = str(digest_of(DATA, "sha512"))
    blobs.put(DATA, digest)
    assert blobs.read_all(digest) == DATA


def test_chunked_upload_with_offsets(blobs: BlobStore) -> None:
    upload = blobs.start_upload()
    assert blobs.append(upload, DATA[:100], 0) == 100
    with pytest.raises(OffsetMismatch) as out_of_order:
        blobs.append(upload, DATA[200:300], 200)
    assert out_of_order.value.expected == 100
    assert blobs.append(upload, DATA[100:], 100) == len(DATA)
    assert blobs.upload_size(upload) == len(DATA)
    digest = str(digest_of(DATA))
    assert blobs.commit(upload, digest) == len(DATA)
    assert blobs.read_all(digest) == DATA
    with pytest.raises(UnknownUpload):
        blobs.upload_size(upload)  # committed uploads are gone


def test_a_wrong_digest_leaves_nothing_visible(blobs: BlobStore) -> None:
    wrong = str(digest_of(b"something else"))
    with pytest.raises(DigestMismatch):
        blobs.put(DATA, wrong)
    assert not blobs.exists(wrong)


def test_user_strings_never_become_paths(blobs: BlobStore) -> None:
    for bad in ("../../etc", "sha256:../x", "x" * 32, "a" * 32 + "\n"):
        with pytest.raises((UnknownUpload, InvalidDigest)):
            blobs.upload_size(bad)
        with pytest.raises((UnknownUpload, InvalidDigest)):
            blobs.size(bad)


def test_cancel_and_list(blobs: BlobStore) -> None:
    upload = blobs.start_upload()
    assert blobs.uploads() == [upload]
    assert blobs.cancel(upload) and blobs.uploads() == [] and not blobs.cancel(upload)


def test_touch_refreshes_the_age_gc_reads(blobs: BlobStore) -> None:
    digest = str(digest_of(DATA))
    assert not blobs.touch(digest) and blobs.written_at(digest) is None
    blobs.put(DATA, digest)
    written = blobs.written_at(digest)
    assert written is not None and blobs.touch(digest)
    assert (blobs.written_at(digest) or 0) >= written
    assert dict(blobs.stored())[digest] == blobs.written_at(digest)


def test_delete_if_older_spares_what_was_refreshed(blobs: BlobStore) -> None:
    """GC's delete: only bytes older than the cutoff, judged as they are deleted; True only
    if it deleted. (S3 needs the sweep's marks around it: tests/contract/test_s3_blob_store.py.)"""
    old, fresh = str(digest_of(b"old")), str(digest_of(b"fresh"))
    blobs.put(b"old", old)
    blobs.put(b"fresh", fresh)
    written = blobs.written_at(fresh) or 0.0
    assert not blobs.delete_if_older(fresh, written)  # not older than the cutoff
    assert blobs.delete_if_older(old, written + 60) and not blobs.exists(old)
    assert not blobs.delete_if_older(old, written + 60)  # gone already
    assert {d for d, _ in blobs.stored()} == {fresh}


def _another_process(
    implementation: str, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[str, dict[str, str], Callable[[], BlobStore]]:
    """How another process opens the same store (Python and its environment), and how this
    one opens it afresh."""
    if implementation == "filesystem":
        root = tmp_path / "blobs"
        code = f"FilesystemBlobStore(Path({str(root)!r}))"
        return code, {}, lambda: FilesystemBlobStore(root)
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = server.new_bucket()
    url, store = request.getfixturevalue("database_url"), request.getfixturevalue("store")
    # The other process reads the endpoint and credentials as `packyard serve` does, and
    # keeps the upload's state in the same database.
    code = f"S3BlobStore.connect({bucket!r}, 'blobs', store=build_store(make_engine({url!r})))"
    return (
        code,
        server.environment(),
        lambda: S3BlobStore(server.client(), bucket, "blobs", store=store),
    )


# Not named `backend`: that is the session's database engine, which the S3 opener needs.
@pytest.mark.parametrize("implementation", sorted(BACKENDS))
def test_a_killed_writer_leaves_no_blob_and_a_resumable_upload(
    implementation: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A process killed mid-upload: no partial blob under a digest; the upload continues
    in another process."""
    opening, environment, reopen = _another_process(implementation, request, tmp_path)
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from packyard.storage.blobs.filesystem import FilesystemBlobStore
        from packyard.storage.blobs.s3 import S3BlobStore
        from packyard.server import build_store
        from packyard.storage.db.engine import make_engine
        store = {opening}
        upload = store.start_upload()
        store.append(upload, {DATA[:500]!r}, 0)
        print(upload, flush=True)
        os.kill(os.getpid(), 9)
    """)
    killed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    upload = killed.stdout.strip()
    blobs = reopen()
    digest = str(digest_of(DATA))
    assert not blobs.exists(digest)
    assert blobs.uploads() == [upload] and blobs.upload_size(upload) == 500
    blobs.append(upload, DATA[500:], 500)
    blobs.commit(upload, digest)
    assert blobs.read_all(digest) == DATA
