"""A version's files: bytes in, rows that name them, and bytes out.

The order is always: authorize, then write bytes, then write rows. Bytes go to the blob
store only for a caller already authorized, checked against their digest; a row naming them
is committed only after they are whole, so a crash leaves at worst unreferenced bytes, which
garbage collection reclaims — never a row without its bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from packyard.core.access import Target, readable_package
from packyard.core.context import Context
from packyard.core.ports import BlobStore, NewFile, Transaction
from packyard.domain.errors import NotFound
from packyard.domain.types import Package

# What every ingested file is hashed with: each registry's clients check one of these
# (npm sha1 and sha512, Maven md5/sha1/sha256/sha512, NuGet sha512, RubyGems sha256).
INGEST_HASHES = ("md5", "sha1", "sha256", "sha512")


def hash_bytes(data: bytes) -> dict[str, str]:
    return {algorithm: hashlib.new(algorithm, data).hexdigest() for algorithm in INGEST_HASHES}


def ingest(
    blobs: BlobStore,
    name: str,
    data: bytes,
    hashes: dict[str, str] | None = None,
    properties: dict[str, Any] | None = None,
) -> NewFile:
    """Make sure the blob store holds `data` (hashed here unless `hashes` says already);
    the caller must be authorized. Bytes already stored are not written again, only marked
    as fresh, so a sweep in progress leaves them alone."""
    hashes = hashes or hash_bytes(data)
    digest = "sha256:" + hashes["sha256"]
    if not blobs.touch(digest):
        blobs.put(data, digest)
    return NewFile(name, digest, len(data), hashes, properties or {})


def stored(
    blobs: BlobStore, name: str, digest: str, size: int, properties: dict[str, Any] | None = None
) -> NewFile | None:
    """A file whose bytes are in the blob store already (an OCI layer uploaded before its
    manifest); None if they are gone. Their age is refreshed, so a sweep that started
    before this publish commits cannot judge them abandoned."""
    if not blobs.touch(digest):
        return None
    return NewFile(name, digest, size, {}, properties or {})


def add_file(
    tx: Transaction, ctx: Context, package: Package, version_id: int, file: NewFile
) -> int:
    """The only writer of file rows."""
    return tx.files.add_file(version_id, package.id, file, ctx.now)


class OfVersion(Protocol):
    """What a download counts against: a file, or a format's record of one."""

    @property
    def version_id(self) -> int: ...


Found = TypeVar("Found", bound=OfVersion)


def open_file(
    tx: Transaction,
    ctx: Context,
    target: Target,
    find: Callable[[Package], Found | None],
    *,
    count_download: bool,
) -> tuple[Package, Found]:
    """Authorize the read, find the file, count one download of its version. The caller
    streams the bytes once the transaction is over. `find` may raise its format's own
    "not found"."""
    package = readable_package(tx, ctx.actor, target)
    file = find(package)
    if file is None:
        raise NotFound(f"{target.label} has no such file")
    if count_download:
        tx.versions.record_download(file.version_id, ctx.now.strftime("%Y-%m-%d"))
    return package, file


def count_download(ctx: Context, version_id: int) -> None:
    """One download of the version, on its own (a registry that found the file in a read
    counts in a write of its own, off the event loop)."""
    with ctx.store.write() as tx:
        tx.versions.record_download(version_id, ctx.now.strftime("%Y-%m-%d"))
