"""Blobs on the local filesystem, content-addressed and written atomically.

    <root>/
      sha256/ab/cd/abcdef0123…      one file per blob, named by its full digest
      sha512/12/34/1234abcd…
      _uploads/<upload id>          bytes of an upload in progress, appended in order

A blob appears under its digest only by `rename` of a complete, fsync'd file whose bytes
were hashed and matched the digest: a crash at any moment leaves either no blob or the
whole one, never a partial file under a digest name. Upload ids and digests are checked
against fixed patterns before they become paths; nothing else a client sends does.

An upload's bytes are hashed (SHA-256) as they are appended, so its commit need not read
them all back: the push ends when its last byte is stored, as distribution's does, instead
of hashing gigabytes after it. That hash is this process's, kept only while every append
went through it: one another process made (a chunked upload spread over workers), or an
upload this process did not start, shows as a size it did not expect, and commit reads the
file back as before.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from packyard.core.ports import (
    BlobError,
    BlobStore,
    FileBlobStore,
    OffsetMismatch,
    UnknownUpload,
)
from packyard.domain.digests import Digest, DigestMismatch, parse_digest

UPLOAD_ID = re.compile(r"[a-f0-9]{32}")
CHUNK = 4 * 1024 * 1024  # big enough that per-chunk overhead vanishes beside the copy
# The algorithm uploads are hashed in as they arrive: what OCI clients name their blobs by.
# A commit to another (sha512) reads the file back.
HASHED_ON_APPEND = "sha256"
# Uploads whose running hash is kept at once: abandoned ones are not kept for ever (their
# commit, if one ever comes, reads the file back).
MAX_RUNNING_HASHES = 1024

__all__ = ["BlobError", "FilesystemBlobStore", "OffsetMismatch", "UnknownUpload"]


class FilesystemBlobStore:
    # Reads are local file I/O: small ones may be done on the event loop.
    local = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self._uploads = root / "_uploads"
        self._uploads.mkdir(parents=True, exist_ok=True)
        # upload id → (bytes hashed so far, the running hash of them)
        self._running: dict[str, tuple[int, hashlib._Hash]] = {}
        self._running_lock = threading.Lock()

    # paths --------------------------------------------------------------------------

    def _path(self, digest: str | Digest) -> Path:
        d = digest if isinstance(digest, Digest) else parse_digest(digest)
        return self.root / d.algorithm / d.hex[:2] / d.hex[2:4] / d.hex

    def _upload_path(self, upload_id: str) -> Path:
        if not UPLOAD_ID.fullmatch(upload_id):
            raise UnknownUpload(upload_id)
        return self._uploads / upload_id

    # blobs --------------------------------------------------------------------------

    def size(self, digest: str) -> int | None:
        try:
            return self._path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def exists(self, digest: str) -> bool:
        return self.size(digest) is not None

    def download_url(self, digest: str, method: str) -> str | None:
        """None: no one reaches these files but through the server."""
        return None

    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from `start` up to, not including, `end`, in chunks."""
        path = self._path(digest)
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = None if end is None else max(0, end - start)
            while remaining is None or remaining > 0:
                chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def open_file(self, digest: str) -> BinaryIO | None:
        """The blob's file, open for a zero-copy send; None if it is not stored."""
        try:
            return self._path(digest).open("rb", buffering=0)
        except FileNotFoundError:
            return None

    def read_all(self, digest: str) -> bytes:
        return b"".join(self.read(digest))

    def put(self, data: bytes, digest: str) -> int:
        """Store `data` under `digest`, refusing it if the bytes do not hash to it."""
        upload_id = self.start_upload()
        self.append(upload_id, data, 0)
        return self.commit(upload_id, digest)

    def touch(self, digest: str) -> bool:
        """Mark the blob as just written: a publish that finds its bytes already stored
        (deduplicated) must not have them reclaimed by a sweep that judged them by their
        age before the new reference was committed. False if the blob is not here."""
        try:
            os.utime(self._path(digest))
        except FileNotFoundError:
            return False
        return True

    def delete_if_older(self, digest: str, before: float) -> bool:
        """Delete the blob only if it was written (or touched) before `before`, atomically
        with respect to `touch`: the blob is first renamed aside, so a publish touching it
        from then on finds it gone and writes it again; one that touched it just before is
        seen in the aside file's age, and the blob goes back."""
        path = self._path(digest)
        aside = path.with_name(f"{path.name}.gc-{os.urandom(4).hex()}")
        try:
            if path.stat().st_mtime >= before:
                return False
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= before:
            os.replace(aside, path)  # if a publish wrote it again meanwhile: the same bytes
            return False
        aside.unlink()
        return True

    def delete(self, digest: str) -> bool:
        try:
            self._path(digest).unlink()
        except FileNotFoundError:
            return False
        return True

    # uploads ------------------------------------------------------------------------

    def start_upload(self) -> str:
        upload_id = os.urandom(16).hex()
        self._upload_path(upload_id).touch(exist_ok=False)
        return upload_id

    def upload_size(self, upload_id: str) -> int:
        try:
            return self._upload_path(upload_id).stat().st_size
        except FileNotFoundError:
            raise UnknownUpload(upload_id) from None

    def append(self, upload_id: str, data: bytes, offset: int | None = None) -> int:
        """Append a chunk; `offset`, when given, must be where the upload stands."""
        path = self._upload_path(upload_id)
        size = self.upload_size(upload_id)
        if offset is not None and offset != size:
            raise OffsetMismatch(size)
        with path.open("ab") as handle:
            handle.write(data)
        self._hash_on(upload_id, size, data)
        return size + len(data)

    def _hash_on(self, upload_id: str, at: int, data: bytes) -> None:
        """Add `data`, appended at byte `at`, to the upload's running hash, if that hash is
        of exactly the bytes before it; otherwise forget it (commit reads the file back)."""
        with self._running_lock:
            running = self._running.pop(upload_id, None)
            if at == 0 and len(self._running) < MAX_RUNNING_HASHES:
                running = (0, hashlib.new(HASHED_ON_APPEND))
        if running is None or running[0] != at:
            return
        hasher = running[1]
        hasher.update(data)  # outside the lock: hashlib lets go of the GIL for the work
        with self._running_lock:
            self._running[upload_id] = (at + len(data), hasher)

    def _hash_of(self, upload_id: str, handle: BinaryIO, expected: Digest) -> str:
        """The upload's digest in `expected`'s algorithm: its running hash when that covers
        the whole file, else from reading it."""
        with self._running_lock:
            running = self._running.pop(upload_id, None)
        size = os.fstat(handle.fileno()).st_size
        if running is not None and running[0] == size and expected.algorithm == HASHED_ON_APPEND:
            return running[1].hexdigest()
        hasher = expected.hasher()
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
        return hasher.hexdigest()

    def commit(self, upload_id: str, digest: str) -> int:
        """Hash the upload, and only if it matches, move it under its digest for good."""
        expected = parse_digest(digest)
        path = self._upload_path(upload_id)
        try:
            with path.open("rb") as handle:
                if self._hash_of(upload_id, handle, expected) != expected.hex:
                    raise DigestMismatch(f"content does not match {digest}")
                size = os.fstat(handle.fileno()).st_size
                target = self._path(expected)
                if self.touch(digest):
                    # The same bytes are stored already (a layer pushed to a second
                    # repository, a seed loaded again): this upload is not needed, and
                    # the touch keeps a sweep from judging the stored blob by its old age.
                    path.unlink(missing_ok=True)
                    return size
                os.fsync(handle.fileno())
        except FileNotFoundError:
            raise UnknownUpload(upload_id) from None
        target.parent.mkdir(parents=True, exist_ok=True)
        # rename is atomic: readers see no blob or the whole blob. The same digest committed
        # twice at once is harmless: both files hold the same bytes.
        os.replace(path, target)
        _fsync_directory(target.parent)
        return size

    def cancel(self, upload_id: str) -> bool:
        with self._running_lock:
            self._running.pop(upload_id, None)
        try:
            self._upload_path(upload_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def stored(self) -> Iterator[tuple[str, float]]:
        """Every blob's digest and the time it was written (for garbage collection)."""
        for algorithm in ("sha256", "sha512"):
            base = self.root / algorithm
            if not base.is_dir():
                continue
            for path in base.glob("*/*/*"):
                if "." in path.name:
                    continue  # set aside by a sweep in progress
                try:
                    yield f"{algorithm}:{path.name}", path.stat().st_mtime
                except FileNotFoundError:
                    continue  # deleted since it was listed

    def written_at(self, digest: str) -> float | None:
        try:
            return self._path(digest).stat().st_mtime
        except FileNotFoundError:
            return None

    def upload_started(self, upload_id: str) -> float:
        return self._upload_path(upload_id).stat().st_mtime

    def uploads(self) -> list[str]:
        """Uploads in progress (for cleanup of abandoned ones)."""
        return sorted(p.name for p in self._uploads.iterdir() if UPLOAD_ID.fullmatch(p.name))


def _fsync_directory(path: Path) -> None:
    """Make the rename itself durable, not only the file's bytes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _conforms(store: FilesystemBlobStore) -> tuple[BlobStore, FileBlobStore]:
    """Never called: mypy checks here that this is the blob store the services declare, and
    one whose blobs are files."""
    return store, store
