"""Uploads to an S3 bucket: each one an S3 multipart upload, its state in the database.

    database (core/uploads.py)                 bucket
      blob_uploads         size, UploadId        <prefix>/_uploads/<upload id>
      blob_upload_parts    number, start, ETag     the multipart upload's key; an object
      blob_upload_pending  chunks under a part      there only between complete and copy

Any process sharing the database and the bucket continues an upload another began. An
append goes, in one transaction, through a conditional UPDATE of the row's `size` from the
offset it read: of two appends at one offset one moves it on, the other is told where the
upload now stands (the protocol's range error).

Why the chunks too small to be a part wait in the database, not in the bucket: S3 refuses
parts under 5 MiB (all but the last), and OCI clients send smaller chunks. In the database a
chunk and the offset it moves are committed together, so no chunk outlives a lost race or a
crash, and the next process reads them back with the row. They are at most one part per
upload (PART_SIZE): a client that sends large batches (skopeo streams a layer in one PATCH,
which arrives here 8 MiB at a time) sends every batch straight to S3 as a part.

Why a part's number is claimed before it is sent: S3 keeps the last bytes sent under a
number, so two processes racing at one offset with the same number would let the loser
overwrite the winner's part. Each sender gets a number no one else gets (the row's counter,
taken where the upload still stands at its offset), so a loser's part is one the upload
never names, and S3 drops it when the upload completes. Claims come after the offset they
extend, so numbers ascend with the bytes, as S3 assembles them; a lost race or a crash
wastes a number of S3's 10,000.

Nothing appears under a digest before its bytes were hashed and matched. The multipart
upload's key is fixed when it begins, before any digest is known, so it completes under the
upload's own key and is copied under the digest (inside S3) only after the check. The hash:
the process that made every append keeps its running SHA-256 in memory, keyed by (upload id,
offset), and checks it before completing. A commit that lands on another process, or after a
restart, has no such hash, and reads the completed object back to hash it: parts cannot be
read before completion. (`rehash` could keep the hash's state in the row, but needs OpenSSL
1.x, and refuses to run on the OpenSSL 3 this Python is built with.)
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from packyard.core.ports import BlobError, OffsetMismatch, Store, UnknownUpload
from packyard.core.uploads import UploadPart, UploadState
from packyard.domain.digests import Digest, DigestMismatch

UPLOAD_ID = re.compile(r"[a-f0-9]{32}")
# Gathered bytes go up as a part once they reach this (S3's least is 5 MiB, MIN_PART_SIZE):
# as large as the registry's append batches, so each of a streamed push's goes up whole.
PART_SIZE = 8 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000  # S3's highest part number
CHUNK = 4 * 1024 * 1024  # what one read of the completed object yields at most
# The algorithm appends are hashed in as they arrive: what OCI clients name their blobs by.
HASHED_ON_APPEND = "sha256"
# Uploads whose running hash is kept at once: abandoned ones are not kept for ever.
MAX_RUNNING_HASHES = 1024
NO_UPLOAD = {"NoSuchUpload", "404", "NotFound"}

__all__ = ["MIN_PART_SIZE", "PART_SIZE", "Finished", "MultipartUploads"]


@dataclass(frozen=True, slots=True)
class Finished:
    """An upload whose bytes matched their digest, not yet under it: either its bytes (it
    never filled a part) or the key of the completed object holding them."""

    size: int
    data: bytes | None
    key: str | None


class MultipartUploads:
    def __init__(self, client: Any, bucket: str, prefix: str, store: Store | None) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix  # where the uploads' objects go: "<prefix>/_uploads/"
        self.store = store
        # upload id → (the offset it is hashed up to, the running hash of those bytes)
        self._running: dict[str, tuple[int, Any]] = {}
        self._running_lock = threading.Lock()

    # the database ---------------------------------------------------------------------

    def _db(self) -> Store:
        if self.store is None:
            raise BlobError("uploads to a bucket keep their state in the database: none given")
        return self.store

    def key(self, upload_id: str) -> str:
        if not UPLOAD_ID.fullmatch(upload_id):
            raise UnknownUpload(upload_id)
        return f"{self.prefix}{upload_id}"

    def state(self, upload_id: str) -> UploadState:
        self.key(upload_id)  # the id is checked before it is looked up
        with self._db().read() as tx:
            found = tx.blob_uploads.find(upload_id)
        if found is None:
            raise UnknownUpload(upload_id)
        return found

    def start(self) -> str:
        upload_id = os.urandom(16).hex()
        with self._db().write() as tx:
            tx.blob_uploads.start(upload_id, datetime.now(UTC))
        return upload_id

    def ids(self) -> list[str]:
        with self._db().read() as tx:
            return tx.blob_uploads.ids()

    # appends --------------------------------------------------------------------------

    def append(self, upload_id: str, data: bytes, offset: int | None = None) -> int:
        state = self.state(upload_id)
        at = state.size
        if offset is not None and offset != at:
            raise OffsetMismatch(at)
        if not data:
            return at
        hasher = self._hashed_on(upload_id, at, data)
        if state.pending + len(data) < PART_SIZE:
            with self._db().write() as tx:
                won = tx.blob_uploads.append_pending(upload_id, at, data)
        else:
            gathered = self._pending(upload_id, state)
            part = self._send(upload_id, state, at, gathered + data)
            with self._db().write() as tx:
                won = tx.blob_uploads.append_part(upload_id, at, part)
        if not won:
            raise OffsetMismatch(self.state(upload_id).size)
        if hasher is not None:
            with self._running_lock:
                self._running[upload_id] = (at + len(data), hasher)
        return at + len(data)

    def _pending(self, upload_id: str, state: UploadState) -> bytes:
        with self._db().read() as tx:
            gathered = b"".join(tx.blob_uploads.pending(upload_id))
        if len(gathered) != state.pending:  # another append landed since `state` was read
            raise OffsetMismatch(self.state(upload_id).size)
        return gathered

    def _hashed_on(self, upload_id: str, at: int, data: bytes) -> Any:
        """The upload's running hash with `data` (appended at `at`) added, if this process
        holds the hash of exactly the bytes before it; kept only once the append won."""
        with self._running_lock:
            running = self._running.pop(upload_id, None)
            if at == 0 and len(self._running) < MAX_RUNNING_HASHES:
                running = (0, hashlib.new(HASHED_ON_APPEND))
        if running is None or running[0] != at:
            return None
        hasher = running[1].copy()  # the append may still lose: the old hash stays valid
        hasher.update(data)
        with self._running_lock:
            self._running.setdefault(upload_id, running)
        return hasher

    def _send(self, upload_id: str, state: UploadState, at: int, data: bytes) -> UploadPart:
        """Upload `data` as the part that starts where the gathered chunks do, under a part
        number claimed for it alone (the module's docstring says why)."""
        multipart = state.multipart_id or self._begin(upload_id)
        with self._db().write() as tx:
            number = tx.blob_uploads.claim_part(upload_id, at)
        if number is None:  # moved on, or gone
            raise OffsetMismatch(self.state(upload_id).size)
        if number > MAX_PARTS:
            raise BlobError(f"upload {upload_id} has used S3's {MAX_PARTS} part numbers")
        sent = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key(upload_id),
            UploadId=multipart,
            PartNumber=number,
            Body=data,
        )
        return UploadPart(number, at - state.pending, len(data), str(sent["ETag"]))

    def _begin(self, upload_id: str) -> str:
        """The upload's S3 multipart upload, begun with its first part: a blob that never
        fills one goes up in a single PUT, and costs no multipart upload at all."""
        key = self.key(upload_id)
        mine = str(self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"])
        with self._db().write() as tx:
            in_force = tx.blob_uploads.attach(upload_id, mine)
        if in_force != mine:  # another process began one first, or the upload is gone
            self._abort(key, mine)
        if in_force is None:
            raise UnknownUpload(upload_id)
        return in_force

    # commit ---------------------------------------------------------------------------

    def finish(self, upload_id: str, expected: Digest) -> Finished:
        """The upload's bytes, checked against `expected`: a mismatch ends the upload (its
        multipart upload may have been completed to be read, so it could not go on)."""
        state = self.state(upload_id)
        with self._running_lock:
            running = self._running.pop(upload_id, None)
        gathered = self._pending(upload_id, state) if state.pending else b""
        if not state.parts:
            hasher = expected.hasher()
            hasher.update(gathered)
            self._matches(upload_id, expected, hasher.hexdigest())
            return Finished(state.size, gathered, None)
        fast = (
            running[1]
            if running is not None
            and running[0] == state.size
            and expected.algorithm == HASHED_ON_APPEND
            else None
        )
        if fast is not None:  # checked before the last part goes up: a mismatch sends nothing
            self._matches(upload_id, expected, fast.hexdigest())
        parts = list(state.parts)
        if gathered:  # the last part may be smaller than S3's least
            parts.append(self._send(upload_id, state, state.size, gathered))
        self._check_contiguous(upload_id, parts, state.size)
        key = self.key(upload_id)
        assert state.multipart_id is not None  # parts were sent: it was begun
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=state.multipart_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]
                },
            )
        except ClientError as error:
            if _code(error) in NO_UPLOAD:  # cancelled, swept or committed meanwhile
                raise UnknownUpload(upload_id) from None
            raise
        if fast is None:
            # No running hash here (another process made some appends, or this one restarted):
            # the bytes are read back from the completed object, which no digest names yet.
            self._matches(upload_id, expected, self._hash_object(key, expected))
        return Finished(state.size, None, key)

    def _matches(self, upload_id: str, expected: Digest, found: str) -> None:
        if found != expected.hex:
            self.end(upload_id)
            raise DigestMismatch(f"content does not match {expected}")

    def _check_contiguous(self, upload_id: str, parts: list[UploadPart], size: int) -> None:
        position = 0
        for part in parts:
            if part.start != position:
                raise BlobError(f"upload {upload_id} has a gap at byte {position}")
            position += part.size
        if position != size:
            raise BlobError(f"upload {upload_id} holds {position} bytes, not {size}")

    def _hash_object(self, key: str, expected: Digest) -> str:
        hasher = expected.hasher()
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            for piece in body.iter_chunks(CHUNK):
                hasher.update(piece)
        finally:
            body.close()
        return hasher.hexdigest()

    # ending ---------------------------------------------------------------------------

    def end(self, upload_id: str) -> bool:
        """Forget the upload: its row first (no process continues it from then on), then
        whatever S3 holds for it — multipart uploads under its key (one a crash left
        unrecorded too), and the completed object. True if there was a row."""
        key = self.key(upload_id)
        with self._db().write() as tx:
            known = tx.blob_uploads.delete(upload_id)
        with self._running_lock:
            self._running.pop(upload_id, None)
        listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        for begun in listed.get("Uploads", []):
            if begun.get("Key") == key:
                self._abort(key, str(begun["UploadId"]))
        self.client.delete_object(Bucket=self.bucket, Key=key)
        return known

    def _abort(self, key: str, multipart: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=multipart)
        except ClientError as error:
            if _code(error) not in NO_UPLOAD:  # completed or aborted already: nothing kept
                raise


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
