"""The container registry's blobs: existence, chunked and monolithic uploads, cross-repository
mounts, unlinking.

Bytes are written and checked before the row that links them is committed, so a crash leaves
at worst unreferenced bytes, which garbage collection reclaims — never a link without bytes.
"""

from __future__ import annotations

from packyard.core.access import Target, writable_package
from packyard.core.context import Context
from packyard.core.ports import BlobStore, OffsetMismatch, Transaction, UnknownUpload
from packyard.domain.digests import DigestMismatch
from packyard.domain.errors import DomainError
from packyard.domain.oci import BlobUnknown, DigestInvalid, UploadOffsetInvalid, UploadUnknown
from packyard.domain.rules import normalize_name
from packyard.registries.oci.naming import RepoName, link_name
from packyard.registries.oci.ports import OCI_ROWS
from packyard.registries.oci.targets import (
    deletable,
    digest_param,
    readable_or_pushable,
    resolve,
)


def blob_size(ctx: Context, blobs: BlobStore, name: RepoName, digest: str) -> int:
    digest = digest_param(digest)
    with ctx.store.read() as tx:
        target = resolve(tx, ctx, name)
        size = (
            # A pusher asks before it uploads.
            tx.rows(OCI_ROWS).linked_blob_size(target.owner.id, link_name(target), digest)
            if readable_or_pushable(tx, ctx, target)
            else None
        )
    if size is None or not blobs.exists(digest):
        raise BlobUnknown(f"blob {digest} is not in {name}")
    return size


def start_upload(ctx: Context, blobs: BlobStore, name: RepoName) -> str:
    with ctx.store.read() as tx:
        writable_package(tx, ctx.actor, resolve(tx, ctx, name))
    # Begun outside the write below: a blob store may keep its uploads in the database (S3's
    # multipart state), a write of its own that SQLite's one writer lock would refuse while
    # this one held it.
    upload_id = blobs.start_upload()
    try:
        with ctx.store.write() as tx:
            target = resolve(tx, ctx, name)
            writable_package(tx, ctx.actor, target)  # still pushable
            tx.rows(OCI_ROWS).create_upload(upload_id, target.owner.id, link_name(target), ctx.now)
    except BaseException:
        blobs.cancel(upload_id)
        raise
    return upload_id


def _upload_of(tx: Transaction, ctx: Context, name: RepoName, upload_id: str) -> Target:
    target = resolve(tx, ctx, name)
    writable_package(tx, ctx.actor, target)
    found = tx.rows(OCI_ROWS).find_upload(upload_id) if len(upload_id) == 32 else None
    if found is None or found != (target.owner.id, normalize_name(link_name(target))):
        raise UploadUnknown(f"no upload {upload_id} in {name}")
    return target


def _gone(upload_id: str, name: RepoName) -> UploadUnknown:
    # The row outlived its bytes: cancelled elsewhere, or swept as abandoned.
    return UploadUnknown(f"no upload {upload_id} in {name}")


def upload_size(ctx: Context, blobs: BlobStore, name: RepoName, upload_id: str) -> int:
    with ctx.store.read() as tx:
        _upload_of(tx, ctx, name, upload_id)
    try:
        return blobs.upload_size(upload_id)
    except UnknownUpload:
        raise _gone(upload_id, name) from None


def append_upload(
    ctx: Context, blobs: BlobStore, name: RepoName, upload_id: str, data: bytes, offset: int | None
) -> int:
    with ctx.store.read() as tx:
        _upload_of(tx, ctx, name, upload_id)
    try:
        current = blobs.upload_size(upload_id)
        if offset is not None and offset != current:
            raise UploadOffsetInvalid(f"the upload continues at byte {current}", current)
        return blobs.append(upload_id, data, current)
    except UnknownUpload:
        raise _gone(upload_id, name) from None
    except OffsetMismatch as mismatch:  # a concurrent PATCH moved it on
        raise UploadOffsetInvalid(str(mismatch), mismatch.expected) from None


def finish_upload(
    ctx: Context, blobs: BlobStore, name: RepoName, upload_id: str, digest: str, data: bytes
) -> int:
    """The last chunk (possibly empty), the digest check, and the blob linked to the
    repository, or nothing at all."""
    digest = digest_param(digest)
    with ctx.store.read() as tx:
        target = _upload_of(tx, ctx, name, upload_id)
    try:
        if data:
            blobs.append(upload_id, data)
        size = blobs.commit(upload_id, digest)
    except UnknownUpload:
        raise _gone(upload_id, name) from None
    except DigestMismatch as mismatch:  # the bytes stay out of the store
        blobs.cancel(upload_id)
        raise DigestInvalid(str(mismatch)) from None
    with ctx.store.write() as tx:
        target = _upload_of(tx, ctx, name, upload_id)  # still theirs, still pushable
        tx.rows(OCI_ROWS).link_blob(target.owner.id, link_name(target), digest, size, ctx.now)
        tx.rows(OCI_ROWS).delete_upload(upload_id)
    return size


def put_blob(ctx: Context, blobs: BlobStore, name: RepoName, digest: str, data: bytes) -> int:
    """A whole blob, checked and linked to the repository, with no upload around it: what a
    monolithic upload leaves, for the seed. The seed writes inside its one open transaction,
    beside which a blob store that keeps its uploads in the database (S3's) could not write
    on SQLite (one writer at a time): a `put` keeps nothing there."""
    digest = digest_param(digest)
    with ctx.store.read() as tx:
        writable_package(tx, ctx.actor, resolve(tx, ctx, name))
    try:
        size = blobs.put(data, digest)
    except DigestMismatch as mismatch:  # the bytes stay out of the store
        raise DigestInvalid(str(mismatch)) from None
    with ctx.store.write() as tx:
        target = resolve(tx, ctx, name)
        writable_package(tx, ctx.actor, target)  # still pushable
        tx.rows(OCI_ROWS).link_blob(target.owner.id, link_name(target), digest, size, ctx.now)
    return size


def cancel_upload(ctx: Context, blobs: BlobStore, name: RepoName, upload_id: str) -> None:
    with ctx.store.write() as tx:
        _upload_of(tx, ctx, name, upload_id)
        tx.rows(OCI_ROWS).delete_upload(upload_id)
    blobs.cancel(upload_id)


def mount_blob(
    ctx: Context, blobs: BlobStore, name: RepoName, digest: str, source: str
) -> int | None:
    """Link a blob the caller can read in `source` into `name`; None if it cannot be."""
    digest = digest_param(digest)
    with ctx.store.read() as tx:
        target = resolve(tx, ctx, name)
        writable_package(tx, ctx.actor, target)
        try:
            origin = resolve(tx, ctx, name.sibling(source))
            shown = readable_or_pushable(tx, ctx, origin)
        except DomainError:
            shown = False
        if not shown:
            return None  # mount refused: the client uploads instead, learning nothing
        size = tx.rows(OCI_ROWS).linked_blob_size(origin.owner.id, link_name(origin), digest)
    # Touched outside the write below: the touch may have to veto a sweep's mark, a write
    # of its own that SQLite's one writer lock would refuse while this one held it.
    if size is None or not blobs.touch(digest):
        return None
    with ctx.store.write() as tx:
        target = resolve(tx, ctx, name)
        writable_package(tx, ctx.actor, target)
        tx.rows(OCI_ROWS).link_blob(target.owner.id, link_name(target), digest, size, ctx.now)
    return size


def delete_blob(ctx: Context, name: RepoName, digest: str) -> None:
    """Unlink a blob from the repository; its bytes go when nothing references them."""
    digest = digest_param(digest)
    with ctx.store.write() as tx:
        target = resolve(tx, ctx, name)
        # Before any manifest, the pusher's; after, the package's admin's.
        shown = readable_or_pushable(tx, ctx, target)
        if shown and target.package is not None:
            deletable(tx, ctx, target)
        if not shown or not tx.rows(OCI_ROWS).unlink_blob(
            target.owner.id, link_name(target), digest
        ):
            raise BlobUnknown(f"blob {digest} is not in {name}")
