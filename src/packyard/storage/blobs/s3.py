"""Blobs in an S3 bucket (AWS, SeaweedFS, MinIO…), content-addressed as on disk.

    s3://<bucket>/<prefix>/
      sha256/ab/cd/abcdef0123…               one object per blob, named by its full digest
      sha512/12/34/1234abcd…
      _uploads/<upload id>/start             written by start_upload: the upload exists
      _uploads/<upload id>/00000000000000000000   each append's bytes, named by the offset
      _uploads/<upload id>/00000000000000004096   they start at (zero-padded, so they sort)

An upload keeps all its state in the bucket, so any process sharing it can continue a
chunked push another began. A blob appears under its digest only once its bytes were hashed
and matched: small blobs go up whole after the check; larger ones are streamed into a
multipart upload (chunks gathered into parts of at least `PART_SIZE`, since S3 refuses
smaller parts but the last) that is completed only if the digest matched, else aborted.
Upload ids and digests are checked against fixed patterns before they become keys.

Reclaiming bytes: S3 has no rename, so `delete_if_older` cannot be made atomic with `touch`
the way the filesystem store makes it. It is coordinated through the database instead
(core/reclaims.py): garbage collection marks what it means to delete, and `touch` asks
`reclaims` whether a sweep may still delete the bytes it just refreshed, vetoing the mark.
A store built without `reclaims` never deletes in a sweep: nothing could veto it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from packyard.core.ports import (
    BlobError,
    BlobStore,
    OffsetMismatch,
    Reclaims,
    UnknownUpload,
)
from packyard.domain.digests import Digest, DigestMismatch, parse_digest

UPLOAD_ID = re.compile(r"[a-f0-9]{32}")
CHUNK_KEY = re.compile(r"[0-9]{20}")
HEX = re.compile(r"[a-f0-9]{64}|[a-f0-9]{128}")
OFFSET_WIDTH = 20
START = "start"
CHUNK = 4 * 1024 * 1024  # what one read of a blob yields at most
# S3 refuses multipart parts under 5 MiB (all but the last): a blob smaller than this goes
# up in one PUT, and a larger one's chunks are gathered into parts of at least this much.
PART_SIZE = 8 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024
DELETE_BATCH = 1000  # S3's DeleteObjects limit
# Requests in flight at once: the worker threads' default limit (anyio's 40), so a pull
# never waits on the client's pool rather than on S3.
MAX_CONNECTIONS = 40
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
# How long a presigned download URL works: long enough for a client to follow the redirect
# (and a slow one to finish; S3 checks the expiry when a request starts, not while it streams),
# short enough that a URL leaked from a log or proxy soon opens nothing.
REDIRECT_SECONDS = 5 * 60
# Distribution's S3 driver presigns both (its RedirectURL): a HEAD is answered by S3's own
# HEAD, so a client that asks whether a blob is there follows the same path as its GET.
PRESIGNED = {"GET": "get_object", "HEAD": "head_object"}

__all__ = ["S3BlobStore"]


class S3BlobStore:
    # Every call is a network round trip: callers on the event loop go to a worker thread.
    local = False

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        reclaims: Reclaims | None = None,
        redirect: bool = False,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.reclaims = reclaims
        # PACKYARD_BLOB_REDIRECT: downloads go to presigned URLs instead of through us.
        self.redirect = redirect
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._uploads = f"{self.prefix}_uploads/"

    @classmethod
    def connect(
        cls,
        bucket: str,
        prefix: str = "",
        *,
        reclaims: Reclaims | None = None,
        redirect: bool = False,
    ) -> S3BlobStore:
        """The bucket through boto3, which reads the endpoint, region and credentials from
        the usual AWS settings (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`…);
        refuses to start if the bucket cannot be reached."""
        config = Config(
            max_pool_connections=MAX_CONNECTIONS,
            retries={"mode": "standard"},
            # Checksums only where S3 requires them: the CRC trailers botocore adds by
            # default are refused by some S3-compatible servers; digests are checked here.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        client = boto3.session.Session().client("s3", config=config)
        try:
            client.head_bucket(Bucket=bucket)
        except Exception as error:
            raise BlobError(f"s3://{bucket} cannot be used: {error}") from None
        return cls(client, bucket, prefix, reclaims=reclaims, redirect=redirect)

    # keys ---------------------------------------------------------------------------

    def _key(self, digest: str | Digest) -> str:
        d = digest if isinstance(digest, Digest) else parse_digest(digest)
        return f"{self.prefix}{d.algorithm}/{d.hex[:2]}/{d.hex[2:4]}/{d.hex}"

    def _upload_key(self, upload_id: str) -> str:
        if not UPLOAD_ID.fullmatch(upload_id):
            raise UnknownUpload(upload_id)
        return f"{self._uploads}{upload_id}/"

    # blobs --------------------------------------------------------------------------

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in NOT_FOUND:
                return None
            raise
        return head

    def size(self, digest: str) -> int | None:
        head = self._head(self._key(digest))
        return None if head is None else int(head["ContentLength"])

    def exists(self, digest: str) -> bool:
        return self.size(digest) is not None

    def download_url(self, digest: str, method: str) -> str | None:
        """A presigned URL for `method` on the blob, valid REDIRECT_SECONDS, if this store
        redirects downloads: signed here, with no request to S3. A `Range` the client sends
        along is S3's to answer, as distribution leaves it."""
        operation = PRESIGNED.get(method)
        if not self.redirect or operation is None:
            return None
        url: str = self.client.generate_presigned_url(
            operation,
            Params={"Bucket": self.bucket, "Key": self._key(digest)},
            ExpiresIn=REDIRECT_SECONDS,
        )
        return url

    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The blob's bytes from `start` up to, not including, `end`, streamed in chunks."""
        key = self._key(digest)
        if end is not None and end <= start:
            return
        ask: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if start or end is not None:
            ask["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            body = self.client.get_object(**ask)["Body"]
        except ClientError as error:
            if _code(error) in NOT_FOUND:
                raise FileNotFoundError(key) from None
            if _code(error) == "InvalidRange":
                return  # starts at or past the end, as a file read there gives nothing
            raise
        yield from _drained(body)

    def read_all(self, digest: str) -> bytes:
        return b"".join(self.read(digest))

    def put(self, data: bytes, digest: str) -> int:
        """Store `data` under `digest`, refusing it if the bytes do not hash to it."""
        expected = parse_digest(digest)
        self._check(expected, digest, iter((data,)))
        if not self.touch(digest):
            self.client.put_object(Bucket=self.bucket, Key=self._key(expected), Body=data)
        return len(data)

    def touch(self, digest: str) -> bool:
        """Mark the blob as just written (its LastModified, by copying it onto itself): a
        publish that finds its bytes stored must not have them judged by their old age.
        False if the blob is not here, or a sweep deleted it after all (the caller writes
        it). (Objects over 5 GB cannot be copied in one request.)"""
        key = self._key(digest)
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                MetadataDirective="REPLACE",
            )
        except ClientError as error:
            if _code(error) in NOT_FOUND:
                return False
            raise
        if self.reclaims is not None and not self.reclaims.spared(digest):
            # A sweep deleted it, before or after this copy: here only if written since.
            return self._head(key) is not None
        return True

    def written_at(self, digest: str) -> float | None:
        head = self._head(self._key(digest))
        return None if head is None else _seconds(head["LastModified"])

    def delete(self, digest: str) -> bool:
        key = self._key(digest)
        if self._head(key) is None:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=key)
        return True

    def delete_if_older(self, digest: str, before: float) -> bool:
        """Delete the blob if it was written (or touched) before `before`. Safe only as a
        sweep's step under its hold of the blob's mark (core/reclaims.py), where a publish's
        touch is either seen in the age read here or vetoes the mark; without `reclaims`
        nothing could veto it, so nothing is deleted (False)."""
        key = self._key(digest)
        if self.reclaims is None:
            return False
        head = self._head(key)
        if head is None or _seconds(head["LastModified"]) >= before:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=key)
        return True

    def stored(self) -> Iterator[tuple[str, float]]:
        """Every blob's digest and the time it was written (for garbage collection)."""
        for algorithm in ("sha256", "sha512"):
            base = f"{self.prefix}{algorithm}/"
            for item in self._list(base):
                name = item["Key"].rsplit("/", 1)[-1]
                if HEX.fullmatch(name):
                    yield f"{algorithm}:{name}", _seconds(item["LastModified"])

    # uploads ------------------------------------------------------------------------

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Objects under `prefix`, in key order, page after page."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def _chunks(self, upload_id: str) -> list[tuple[int, str, int]]:
        """The upload's chunks as (offset, key, size), in order; UnknownUpload if it was never
        started, or was committed or cancelled since."""
        base = self._upload_key(upload_id)
        started, chunks = False, []
        for item in self._list(base):
            name = item["Key"][len(base) :]
            if name == START:
                started = True
            elif CHUNK_KEY.fullmatch(name):
                chunks.append((int(name), item["Key"], int(item["Size"])))
        if not started:
            raise UnknownUpload(upload_id)
        chunks.sort()
        return chunks

    def start_upload(self) -> str:
        upload_id = os.urandom(16).hex()
        self.client.put_object(
            Bucket=self.bucket, Key=self._upload_key(upload_id) + START, Body=b""
        )
        return upload_id

    def upload_size(self, upload_id: str) -> int:
        chunks = self._chunks(upload_id)
        return chunks[-1][0] + chunks[-1][2] if chunks else 0

    def append(self, upload_id: str, data: bytes, offset: int | None = None) -> int:
        """Append a chunk, stored as an object named by the offset it starts at; `offset`,
        when given, must be where the upload stands. Needs conditional writes
        (`If-None-Match: *`), which AWS, SeaweedFS and MinIO have."""
        size = self.upload_size(upload_id)
        if offset is not None and offset != size:
            raise OffsetMismatch(size)
        if data:
            key = f"{self._upload_key(upload_id)}{size:0{OFFSET_WIDTH}d}"
            try:
                # Written only if no chunk starts there yet: of two processes appending at
                # one offset, one wins and the other is told where the upload now stands.
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*")
            except ClientError as error:
                if _code(error) != "PreconditionFailed":
                    raise
                raise OffsetMismatch(self.upload_size(upload_id)) from None
        return size + len(data)

    def commit(self, upload_id: str, digest: str) -> int:
        """Hash the upload's chunks as they are copied under the digest; only if they match
        does the blob become visible (a multipart upload completed, or one PUT)."""
        expected = parse_digest(digest)
        chunks = self._chunks(upload_id)
        position = 0
        for offset, _key, size in chunks:
            if offset != position:  # two appends raced at one offset: not these bytes
                raise BlobError(f"upload {upload_id} has a gap at byte {position}")
            position += size
        target = self._key(expected)
        stored = self.exists(digest)
        if stored:
            # The same bytes are stored already (a layer pushed to a second repository): the
            # upload is only hashed, and the touch keeps a sweep from judging the stored blob
            # by its old age (or tells that a sweep took it meanwhile: then it is written).
            self._check(expected, digest, (b for c in chunks for b in self._chunk(c[1])))
            stored = self.touch(digest)
        if not stored and position < PART_SIZE:
            data = b"".join(b for c in chunks for b in self._chunk(c[1]))
            self._check(expected, digest, iter((data,)))
            self.client.put_object(Bucket=self.bucket, Key=target, Body=data)
        elif not stored:
            self._multipart(target, expected, digest, chunks)
        self._delete_keys([c[1] for c in chunks] + [self._upload_key(upload_id) + START])
        return position

    def _chunk(self, key: str) -> Iterator[bytes]:
        yield from _drained(self.client.get_object(Bucket=self.bucket, Key=key)["Body"])

    def _check(self, expected: Digest, digest: str, data: Iterator[bytes]) -> None:
        hasher = expected.hasher()
        for piece in data:
            hasher.update(piece)
        if hasher.hexdigest() != expected.hex:
            raise DigestMismatch(f"content does not match {digest}")

    def _multipart(
        self, target: str, expected: Digest, digest: str, chunks: list[tuple[int, str, int]]
    ) -> None:
        """Stream the chunks into a multipart upload of `target`, in parts of at least
        PART_SIZE, hashing as they go; complete it only if the digest matched."""
        hasher = expected.hasher()
        started = self.client.create_multipart_upload(Bucket=self.bucket, Key=target)
        multipart = started["UploadId"]
        parts: list[dict[str, Any]] = []
        try:
            buffer = bytearray()
            for _offset, key, _size in chunks:
                for piece in self._chunk(key):
                    hasher.update(piece)
                    buffer += piece
                    if len(buffer) >= PART_SIZE:
                        parts.append(self._part(target, multipart, len(parts) + 1, buffer))
                        buffer = bytearray()
            if buffer or not parts:
                parts.append(self._part(target, multipart, len(parts) + 1, buffer))
            if hasher.hexdigest() != expected.hex:
                raise DigestMismatch(f"content does not match {digest}")
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=target,
                UploadId=multipart,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            # Nothing becomes visible, and S3 keeps (and bills) no orphaned parts.
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=multipart)
            raise

    def _part(self, target: str, multipart: str, number: int, data: bytearray) -> dict[str, Any]:
        sent = self.client.upload_part(
            Bucket=self.bucket, Key=target, UploadId=multipart, PartNumber=number, Body=bytes(data)
        )
        return {"PartNumber": number, "ETag": sent["ETag"]}

    def _delete_keys(self, keys: list[str]) -> None:
        for i in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": k} for k in keys[i : i + DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def cancel(self, upload_id: str) -> bool:
        keys = [item["Key"] for item in self._list(self._upload_key(upload_id))]
        self._delete_keys(keys)
        return bool(keys)

    def uploads(self) -> list[str]:
        """Uploads in progress (for cleanup of abandoned ones): those whose start marker is
        there (a server with real directories, as SeaweedFS, may list an emptied one)."""
        found = set()
        for item in self._list(self._uploads):
            upload_id, _, name = item["Key"][len(self._uploads) :].partition("/")
            if name == START and UPLOAD_ID.fullmatch(upload_id):
                found.add(upload_id)
        return sorted(found)

    def upload_started(self, upload_id: str) -> float:
        head = self._head(self._upload_key(upload_id) + START)
        if head is None:
            raise UnknownUpload(upload_id)
        return _seconds(head["LastModified"])


def _drained(body: Any) -> Iterator[bytes]:
    """An object's streamed body in chunks of at most CHUNK, closed however the reading ends."""
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _seconds(when: Any) -> float:
    """A LastModified as whole seconds: HEAD's header has no finer grain than that, and a
    listing and a HEAD of one object must agree."""
    return float(int(when.timestamp()))


def _conforms(store: S3BlobStore) -> BlobStore:
    """Never called: mypy checks here that this is the blob store the services declare."""
    return store
