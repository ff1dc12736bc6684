"""A version's files: bytes in, rows that name them, and bytes out.

The order is always: authorize, then write bytes, then write rows. Bytes go to the blob
store only for a caller already authorized, checked against their digest; a row naming them
is committed only after they are whole, so a crash leaves at worst unreferenced bytes, which
garbage collection reclaims — never a row without its bytes.

A read that is a download gets a `Download` to count, not a count: the response counts it
as its content goes out (the file opened, the first bytes read from S3, or the 307 to a
presigned URL answered), so a file whose bytes are missing, a 416 or a HEAD counts nothing.

Downloads are counted in memory and written behind the reads (`DownloadTally`): a pull
never waits on a write, nor on another pull's. Under 100 concurrent pullers of one manifest
a write per pull queued them all on one row (PostgreSQL) or on the write lock (SQLite),
and p99 latency reached seconds. The counts stay exact: a batch is written every
`FLUSH_INTERVAL`, on exit, and before anything decides on them (`settle_downloads`: a
delete's 5,000-download rule, a downloads report) — so a count a delete reads includes every
download answered before it, in this process and in every other sharing the database.

Across processes (several `packyard serve` on one PostgreSQL) a delete cannot flush another
process's memory; it waits for it instead. Each batch of pending downloads is covered by a
shared hold the store keeps for it (a PostgreSQL advisory lock), taken when the batch gets
its first download — before that download is answered — and released once the batch is
committed. `settle_downloads` then waits for an exclusive lock on it, which is granted only
when every batch pending at that moment has been written: at most one flush interval and a
write. A batch that cannot take its hold because a delete is waiting (PostgreSQL queues new
holds behind the waiter) writes its download at once, before answering. Batches alternate
between two holds (slots): a process re-taking a hold it already has is never queued, so
with one slot a steady stream of pulls could keep a delete waiting for ever. The price is
one statement per batch, not per pull; a delete waits up to two intervals, and only while
some process has downloads pending.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from packyard.core.access import Target, readable_package
from packyard.core.context import Context
from packyard.core.ports import BlobStore, NewFile, Store, Transaction
from packyard.domain.errors import NotFound
from packyard.domain.files import check_stored_name
from packyard.domain.types import Package

log = logging.getLogger("packyard")

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
    check_stored_name("file", name)
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
    check_stored_name("file", name)
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
) -> tuple[Package, Found, Download | None]:
    """Authorize the read and find the file; with `count_download`, the download of its
    version that the response counts once the file's content goes out (nothing is counted
    here: the bytes may yet turn out missing). The caller streams the bytes once the
    transaction is over. `find` may raise its format's own "not found"."""
    package = readable_package(tx, ctx.actor, target)
    file = find(package)
    if file is None:
        raise NotFound(f"{target.label} has no such file")
    return package, file, download_of(ctx, file.version_id) if count_download else None


@dataclass(frozen=True, slots=True)
class Download:
    """One download of a version, not yet counted: calling it counts it (in memory, written
    with the next batch). A response calls it just before its head goes out with the
    content (`Response.served`), on the event loop, as inline reads always counted: only
    a batch's first download makes a statement (its hold, on PostgreSQL: one per
    `FLUSH_INTERVAL` at most), and a blob read from S3 is counted in the worker thread
    that reads its first bytes."""

    store: Store
    version_id: int
    day: str

    def __call__(self) -> None:
        _tally(self.store).add(self.version_id, self.day)


def download_of(ctx: Context, version_id: int) -> Download:
    """The download of `version_id` that a read's response counts once it is served."""
    return Download(ctx.store, version_id, ctx.now.strftime("%Y-%m-%d"))


def settle_downloads(store: Store) -> None:
    """Write every download counted so far, and wait until other processes sharing the
    database have written theirs: before a count decides anything (a delete's download
    rule, a report). Cheap when nothing is pending anywhere; a write or a wait otherwise."""
    tally = _tallies.get(store)
    if tally is not None:
        tally.flush()
    store.await_downloads()


def downloads_pending(store: Store) -> bool:
    """Whether `store` has downloads not yet written in this process (a look, no lock)."""
    tally = _tallies.get(store)
    return tally is not None and bool(tally._pending)


def settle_all_downloads() -> None:
    """`settle_downloads` for every store of this process (on exit; in tests)."""
    for tally in list(_tallies.values()):
        tally.flush()


# Seconds a counted download may wait in memory before it is written.
FLUSH_INTERVAL = 0.5


class DownloadTally:
    """One store's downloads not yet written, by (version, day), and the one writer of them.

    `add` takes a lock for a dictionary update and arms a timer when the tally was empty;
    the timer's thread writes the whole batch in one transaction — one statement per version
    and day, however many pulls it holds. Writes happen one at a time and in order, and a
    batch that fails to write goes back into the tally (and is tried again), so no count is
    lost or doubled.
    """

    def __init__(self, store: Store, interval: float = FLUSH_INTERVAL) -> None:
        self.store = store
        self.interval = interval
        self._pending: Counter[tuple[int, str]] = Counter()
        self._lock = threading.Lock()  # guards _pending, _timer, _slot and _next_slot
        self._writing = threading.Lock()  # one batch at a time
        self._timer: threading.Timer | None = None
        self._slot: int | None = None  # the hold covering _pending, once it has one
        self._next_slot = 0

    def add(self, version_id: int, day: str) -> None:
        with self._lock:
            if self._slot is None:
                # The batch's first download: visible to other processes' deletes before it
                # is answered. Never waits (a try), so holding the lock for it is safe.
                if not self.store.hold_downloads(self._next_slot):
                    write_now = True
                else:
                    write_now = False
                    self._slot, self._next_slot = self._next_slot, 1 - self._next_slot
            else:
                write_now = False
            if not write_now:
                self._pending[(version_id, day)] += 1
                if self._timer is None:
                    self._arm()
                return
        # A delete is waiting for pending downloads: this one is written before it is
        # answered, so the delete's count has it, or the delete came first.
        with self.store.write() as tx:
            tx.versions.record_download(version_id, day)

    def pending(self) -> int:
        with self._lock:
            return sum(self._pending.values())

    def flush(self) -> None:
        """Write what is pending now; returns once it is written (or has failed)."""
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, Counter()
                slot, self._slot = self._slot, None
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            if not batch:
                return
            try:
                with self.store.write() as tx:
                    # In id order, so two processes' batches lock rows in the same order.
                    for (version_id, day), times in sorted(batch.items()):
                        tx.versions.record_download(version_id, day, times)
            except Exception:
                log.exception("writing %d downloads failed; kept for the next batch", len(batch))
                with self._lock:
                    self._pending.update(batch)
                    if self._slot is None:  # its hold now covers the merged batch
                        self._slot, slot = slot, None
                    if self._timer is None:
                        self._arm()
            if slot is not None:  # committed (or covered by the next batch's hold)
                self.store.release_downloads(slot)

    def _arm(self) -> None:
        timer = threading.Timer(self.interval, self._flush_quietly)
        timer.daemon = True  # the exit hook writes what is left
        self._timer = timer
        timer.start()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:  # flush logs its own; a timer thread must not die loudly
            log.exception("writing downloads failed")


# One tally per store: held weakly, so a store that goes away takes its tally along.
_tallies: weakref.WeakKeyDictionary[Store, DownloadTally] = weakref.WeakKeyDictionary()
_tallies_lock = threading.Lock()


def _tally(store: Store) -> DownloadTally:
    tally = _tallies.get(store)
    if tally is None:
        with _tallies_lock:
            tally = _tallies.get(store)
            if tally is None:
                tally = _tallies[store] = DownloadTally(store)
    return tally


atexit.register(settle_all_downloads)
