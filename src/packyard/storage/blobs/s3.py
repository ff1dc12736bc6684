"""Blobs in an S3 bucket (AWS, SeaweedFS, MinIO…), content-addressed as on disk.

    s3://<bucket>/<prefix>/
      sha256/ab/cd/abcdef0123…      one object per blob, named by its full digest
      sha512/12/34/1234abcd…
      _uploads/<upload id>          an upload's S3 multipart upload, its state in the database

An upload is an S3 multipart upload whose state (its UploadId, the parts sent, the offset,
the chunks gathered for the next part) lives in the database, so any process sharing both
continues a chunked push another began: s3_uploads.py draws it. A blob appears under its
digest only once its bytes were hashed and matched. Upload ids and digests are checked
against fixed patterns before they become keys.

Reclaiming bytes: S3 has no rename, so `delete_if_older` cannot be made atomic with `touch`
the way the filesystem store makes it. It is coordinated through the database instead
(core/reclaims.py): garbage collection marks what it means to delete, and `touch` asks
`reclaims` whether a sweep may still delete the bytes it just refreshed, vetoing the mark.
A store built without `reclaims` never deletes in a sweep: nothing could veto it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from packyard.core.ports import (
    BlobError,
    BlobStore,
    Reclaims,
    Store,
)
from packyard.domain.digests import Digest, DigestMismatch, parse_digest
from packyard.storage.blobs.s3_uploads import MIN_PART_SIZE, PART_SIZE, MultipartUploads

HEX = re.compile(r"[a-f0-9]{64}|[a-f0-9]{128}")
CHUNK = 4 * 1024 * 1024  # what one read of a blob yields at most
# S3 copies at most 5 GiB in one request; a larger blob is copied in parts of COPY_PART.
COPY_LIMIT = 5 * 1024**3
COPY_PART = 1024**3
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

__all__ = ["MIN_PART_SIZE", "PART_SIZE", "S3BlobStore"]


class S3BlobStore:
    # Every call is a network round trip: callers on the event loop go to a worker thread.
    local = False

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        store: Store | None = None,
        reclaims: Reclaims | None = None,
        redirect: bool = False,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.reclaims = reclaims
        # PACKYARD_BLOB_REDIRECT: downloads go to presigned URLs instead of through us.
        self.redirect = redirect
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        # Uploads keep their state in `store`'s database: a store built without one (a
        # script's) serves and writes blobs, and refuses uploads.
        self._multipart = MultipartUploads(client, bucket, f"{self.prefix}_uploads/", store)

    @classmethod
    def connect(
        cls,
        bucket: str,
        prefix: str = "",
        *,
        store: Store | None = None,
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
        return cls(client, bucket, prefix, store=store, reclaims=reclaims, redirect=redirect)

    # keys ---------------------------------------------------------------------------

    def _key(self, digest: str | Digest) -> str:
        d = digest if isinstance(digest, Digest) else parse_digest(digest)
        return f"{self.prefix}{d.algorithm}/{d.hex[:2]}/{d.hex[2:4]}/{d.hex}"

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

    def _check(self, expected: Digest, digest: str, data: Iterator[bytes]) -> None:
        hasher = expected.hasher()
        for piece in data:
            hasher.update(piece)
        if hasher.hexdigest() != expected.hex:
            raise DigestMismatch(f"content does not match {digest}")

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

    # uploads: S3 multipart uploads, their state in the database (s3_uploads.py) ----------

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Objects under `prefix`, in key order, page after page."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def start_upload(self) -> str:
        return self._multipart.start()

    def upload_size(self, upload_id: str) -> int:
        return self._multipart.state(upload_id).size

    def append(self, upload_id: str, data: bytes, offset: int | None = None) -> int:
        """Append a chunk; `offset`, when given, must be where the upload stands (the
        database's row decides between two processes appending at one offset)."""
        return self._multipart.append(upload_id, data, offset)

    def commit(self, upload_id: str, digest: str) -> int:
        """The upload's bytes, once they matched the digest, under it: one PUT of a blob
        that never filled a part, else a copy inside S3 of the completed multipart upload.
        The upload ends however this does."""
        expected = parse_digest(digest)
        finished = self._multipart.finish(upload_id, expected)
        try:
            # The same bytes stored already (a layer pushed to a second repository): the
            # touch keeps a sweep from judging them by their old age (or tells that a sweep
            # took them meanwhile: then they are written).
            if not self.touch(digest):
                target = self._key(expected)
                if finished.data is not None:
                    self.client.put_object(Bucket=self.bucket, Key=target, Body=finished.data)
                else:
                    assert finished.key is not None
                    self._copy(finished.key, target, finished.size)
        finally:
            self._multipart.end(upload_id)
        return finished.size

    def _copy(self, source: str, target: str, size: int) -> None:
        """Copy an object inside S3: in one request up to COPY_LIMIT (S3's), else in parts
        copied by range, completed only once every one is there."""
        origin = {"Bucket": self.bucket, "Key": source}
        if size <= COPY_LIMIT:
            self.client.copy_object(Bucket=self.bucket, Key=target, CopySource=origin)
            return
        multipart = self.client.create_multipart_upload(Bucket=self.bucket, Key=target)
        upload = {"Bucket": self.bucket, "Key": target, "UploadId": multipart["UploadId"]}
        try:
            parts = []
            for number, start in enumerate(range(0, size, COPY_PART), 1):
                last = min(size, start + COPY_PART) - 1
                copied = self.client.upload_part_copy(
                    **upload,
                    PartNumber=number,
                    CopySource=origin,
                    CopySourceRange=f"bytes={start}-{last}",
                )
                parts.append({"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(**upload, MultipartUpload={"Parts": parts})
        except BaseException:
            self.client.abort_multipart_upload(**upload)  # S3 keeps (and bills) no parts
            raise

    def cancel(self, upload_id: str) -> bool:
        """End the upload: its row, its multipart upload aborted (GC's sweep of abandoned
        uploads comes here too)."""
        return self._multipart.end(upload_id)

    def uploads(self) -> list[str]:
        """Uploads in progress (for cleanup of abandoned ones): the database's rows."""
        return self._multipart.ids()

    def upload_started(self, upload_id: str) -> float:
        return self._multipart.state(upload_id).started_at.timestamp()


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
